/**
 * Protocol eras end to end: the broker's client negotiates with each upstream
 * (`servers.<name>.protocol`), so a 2026-07-28-era server (support/modern_upstream.ts, on the v2
 * server SDK) is reached in the modern era and a 2025-era one (support/test_upstream.ts, on the v1
 * SDK) in the legacy era; a pinned era that the server lacks is a clear start failure; a server
 * that exits at the probe is restarted in the legacy era, and kept there.
 */
import assert from "node:assert/strict";
import { execute, startServer, type TestServer } from "../support/server.ts";
import { modernUpstream } from "../support/modern_upstream.ts";
import { testUpstream } from "../support/test_upstream.ts";
import { allUpstreams } from "../support/upstreams.ts";
import { Upstream } from "../src/broker/upstream.ts";
import { ServerSchema } from "../src/config.ts";

async function withServer(
  servers: Record<string, unknown>,
  fn: (server: TestServer) => Promise<void>,
): Promise<void> {
  const server = await startServer({ config: { servers, sandbox: { pool_size: 2 } } });
  try {
    await fn(server);
  } finally {
    await server.close();
  }
}

/** Python that calls `expr` and gives its value, or `[code, message]` of its ToolError. */
function attempt(expr: string): string {
  return `try:\n    out = ${expr}\nexcept ToolError as e:\n    out = [e.code, str(e)]\nout`;
}

Deno.test({
  name: "eras: auto reaches a 2026 server in the modern era and a 2025 server in the legacy era",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await withServer({ m: modernUpstream(), old: testUpstream() }, async (server) => {
      const r = await execute(
        server,
        "{'era': tools.m.era(), 'sum': tools.m.add(a=2, b=3), 'echo': tools.old.echo(text='hi')}",
      );
      assert.equal(r.ok, true, r.text);
      assert.deepEqual(r.result, { era: "modern", sum: 5, echo: "hi" });
      // The call waits for `release` until its three reports are here: a report and the answer
      // that follows it at once could reach this test's client in one read, and the SDK client
      // settles an answer before it runs the handlers of notifications read with it.
      const reports: string[] = [];
      let allReported!: () => void;
      const reported = new Promise<void>((resolve) => (allReported = resolve));
      const steps = execute(server, "tools.m.steps(n=3)", 30_000, {
        onprogress: ({ progress, message }) => {
          if (reports.push(`${progress} ${message}`) === 3) allReported();
        },
      });
      await reported;
      const released = await execute(server, "tools.m.release()");
      assert.equal(released.result, "released 1", released.text);
      const done = await steps;
      assert.equal(done.result, "3 steps", done.text);
      assert.deepEqual(reports, ["1 m.steps: 1/3", "2 m.steps: 2/3", "3 m.steps: 3/3"]);
      assert.match(server.stderr(), /Upstream "m" connected \(protocol 2026-07-28, modern era\)/);
      assert.match(server.stderr(), /Upstream "old" connected \(protocol [\d-]+, legacy era\)/);
    });
  },
});

Deno.test({
  name: "eras: protocol legacy keeps a dual-era server on 2025; a pin it lacks fails clearly",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await withServer({
      m: modernUpstream({ protocol: "legacy" }),
      pinned: modernUpstream({ protocol: "2026-07-28" }),
      old: testUpstream({ protocol: "2026-07-28" }),
      strict: modernUpstream({ protocol: "legacy" }, ["--modern-only"]),
    }, async (server) => {
      const r = await execute(
        server,
        `${attempt("tools.m.era()")}\nm = out\n${attempt("tools.pinned.era()")}\np = out\n` +
          `${attempt("tools.old.echo(text='x')")}\no = out\n${attempt("tools.strict.era()")}\n` +
          "[m, p, o, out]",
      );
      assert.equal(r.ok, true, r.text);
      const [m, pinned, old, strict] = r.result as unknown[];
      assert.equal(m, "legacy");
      assert.equal(pinned, "modern");
      const [oldCode, oldMessage] = old as [string, string];
      assert.equal(oldCode, "UPSTREAM_UNAVAILABLE", oldMessage);
      assert.match(oldMessage, /2026-07-28/);
      assert.match(oldMessage, /servers\.old\.protocol/);
      const [strictCode, strictMessage] = strict as [string, string];
      assert.equal(strictCode, "UPSTREAM_UNAVAILABLE", strictMessage);
      assert.match(strictMessage, /servers\.strict\.protocol/);
    });
  },
});

Deno.test({
  name: "eras: a server that exits at the probe is restarted in the legacy era, once",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await withServer({ x: testUpstream({}, ["--exit-before-initialize"]) }, async (server) => {
      const r = await execute(
        server,
        `first = [tools.x.echo(text='a'), tools.x.pid(), tools.x.pid()]\n${
          attempt("tools.x.die()")
        }\n` +
          "first + [out[0], tools.x.echo(text='b'), tools.x.pid()]",
      );
      assert.equal(r.ok, true, r.text);
      const [echo, pid1, pid2, died, again, pid3] = r.result as unknown[];
      assert.equal(echo, "a");
      assert.equal(pid1, pid2, "one start after the probe, not one per call");
      assert.equal(died, "UPSTREAM_UNAVAILABLE");
      assert.equal(again, "b");
      assert.notEqual(pid3, pid1, "restarted after dying");
      const probed = server.stderr().match(
        /Upstream "x" ended at the protocol probe and answered the 2025 handshake/g,
      );
      assert.equal(
        probed?.length,
        1,
        "the restart after dying went straight to the 2025 handshake",
      );
      assert.match(server.stderr(), /Upstream "x" connected \(protocol [\d-]+, legacy era\)/);
    });
  },
});

Deno.test({
  name: "eras: in the modern era a timeout, an oversized result and a crash keep their codes",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const m = modernUpstream({ max_result_bytes: 4096, timeout_ms: 1500 });
    await withServer({ m }, async (server) => {
      const r = await execute(
        server,
        `pid = tools.m.pid()\n${attempt("tools.m.stall()")}\nstall = out\n` +
          "big = []\nfor _ in range(5):\n" +
          `    ${attempt("tools.m.big(bytes=10_000)").replaceAll("\n", "\n    ")}\n` +
          "    big.append(out)\n" +
          `${attempt("tools.m.die()")}\ndie = out\n` +
          "[stall, big, die, tools.m.era(), tools.m.pid() != pid]",
        60_000,
      );
      assert.equal(r.ok, true, r.text);
      const [stall, big, die, era, restarted] = r.result as [
        string[],
        string[][],
        string[],
        string,
        boolean,
      ];
      assert.equal(stall[0], "TIMEOUT", stall[1]);
      assert.match(stall[1], /servers\.m\.timeout_ms/);
      for (const [code, message] of big) {
        assert.equal(code, "RESULT_TOO_LARGE", message);
        assert.match(message, /servers\.m\.max_result_bytes/);
      }
      assert.equal(die[0], "UPSTREAM_UNAVAILABLE", die[1]);
      assert.match(die[1], /dying as asked/);
      assert.equal(era, "modern", "restarted in the modern era");
      assert.equal(restarted, true);
      const warned = server.stderr().split("\n").filter((l) => /warn: .*max_result_bytes/.test(l));
      assert.equal(warned.length, 1, `one warning for five oversized results:\n${warned}`);
    });
  },
});

Deno.test({
  name: "eras: the npm reference servers (v1 SDK) pass the auto probe and work in the legacy era",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      await Deno.writeTextFile(`${dir}/a.txt`, "from the file");
      const { filesystem, memory } = allUpstreams(dir);
      await withServer({ filesystem, memory }, async (server) => {
        const r = await execute(
          server,
          `text = tools.filesystem.read_text_file(path=${JSON.stringify(`${dir}/a.txt`)})\n` +
            "tools.memory.create_entities(entities=[{'name': 'n', 'entityType': 't', " +
            "'observations': ['o']}])\n" +
            "graph = tools.memory.read_graph()\n" +
            "[str(text), [e['name'] for e in graph['entities']]]",
          120_000,
        );
        assert.equal(r.ok, true, r.text);
        const [text, names] = r.result as [string, string[]];
        assert.match(text, /from the file/);
        assert.deepEqual(names, ["n"]);
        for (const name of ["filesystem", "memory"]) {
          const line = new RegExp(
            `Upstream "${name}" connected \\(protocol 20\\d\\d-\\d\\d-\\d\\d, legacy era\\)`,
          );
          assert.match(server.stderr(), line);
        }
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("progress reports read in one chunk with the answer all reach the caller", async () => {
  const upstream = new Upstream("t", ServerSchema.parse(testUpstream()));
  try {
    assert.equal(await upstream.connect(), true, upstream.reason);
    const reports: number[] = [];
    const signal = new AbortController().signal;
    const r = await upstream.call("burst", { n: 5 }, signal, (p) => reports.push(p.progress));
    assert.equal(r.ok, true);
    assert.deepEqual(reports, [1, 2, 3, 4, 5]);
  } finally {
    await upstream.close();
  }
});
