/**
 * The audit log under attack, through the real server, sandbox and upstream (policy off, so the
 * host alone holds the bounds): 200 calls with 2,000 keys of 157 characters each write bounded
 * lines that say what was cut, into a file held to `approval.audit_max_bytes` and rotated; a loop
 * of raw relay calls past `max_tool_calls` writes one line saying how many were refused, not one
 * per call, and nothing on the host's stderr per call. And the README's own example,
 * `audit_log: ".cache/audit.jsonl"`, works with the config kept outside the project.
 */
import assert from "node:assert/strict";
import { AUDIT_MAX_LINE_BYTES } from "../src/approval/audit_log.ts";
import { countingServer } from "../support/counting_server.ts";
import { execute, startServer } from "../support/server.ts";
import { waitFor } from "../support/wait.ts";

type Line = Record<string, unknown>;

const MAX_BYTES = 1024 * 1024;
const CAP = 200;

async function lines(path: string): Promise<Line[]> {
  const text = await Deno.readTextFile(path).catch(() => "");
  for (const line of text.split("\n")) {
    const size = new TextEncoder().encode(line).length + 1;
    assert.ok(size <= AUDIT_MAX_LINE_BYTES, `a line of ${size} bytes in ${path}`);
  }
  return text.split("\n").filter(Boolean).map((l) => JSON.parse(l));
}

Deno.test({
  name: "the audit log stays bounded under a flood of huge calls and of calls past the cap",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const dir = await Deno.makeTempDir({ prefix: "audit-e2e-" });
    const audit = `${dir}/audit.jsonl`;
    const server = await startServer({
      config: {
        servers: { counter: countingServer() },
        sandbox: { pool_size: 1, max_tool_calls: CAP, timeout_ms: 120_000 },
        policy: { enabled: false },
        approval: { audit_log: audit, audit_max_bytes: MAX_BYTES },
      },
    });
    try {
      await t.step("200 calls of 2,000 long keys: bounded lines, a bounded file", async () => {
        const r = await execute(
          server,
          'big = {f"k{i}".ljust(157, "x"): i for i in range(2000)}\n' +
            "for _ in range(200):\n    tools.counter.hit(big)\n" +
            "len(big)",
        );
        assert.equal(r.ok, true, r.text);
        const calls = async () => {
          const all = [...await lines(`${audit}.1`), ...await lines(audit)];
          return all.filter((l) => l.execution === r.execution_id && l.tool === "hit");
        };
        await waitFor(async () => (await calls()).length === 200, "200 call lines");
        for (const line of await calls()) {
          assert.deepEqual(line.cut, { keys: 1950, characters: 50 * 57 });
          assert.equal((line.arguments as Line)["…"], "[… 1950 more keys]");
        }
        for (const file of [audit, `${audit}.1`]) {
          assert.ok((await Deno.stat(file)).size <= MAX_BYTES, file);
        }
        const [rotated] = await lines(audit);
        assert.equal(rotated.summary, "rotated");
        assert.equal(rotated.replaced_bytes, 0, "one rotation: every line above is still there");
      });

      await t.step("3,000 raw relay calls past the cap: one line counts them", async () => {
        const before = server.stderr().split("\n").length;
        const r = await execute(
          server,
          "import json, _mcp_relay\n" +
            "refused = 0\n" +
            "for i in range(3000):\n" +
            "    reply = json.loads(await _mcp_relay.call('counter', 'hit', json.dumps({'n': i})))\n" +
            "    refused += not reply['ok']\n" +
            "refused",
        );
        assert.equal(r.error?.code, "TOOL_CALL_LIMIT", r.text);
        const mine = async () =>
          [...await lines(`${audit}.1`), ...await lines(audit)].filter((l) =>
            l.execution === r.execution_id
          );
        await waitFor(async () => (await mine()).some((l) => l.summary), "the summary line");
        const found = await mine();
        assert.equal(found.length, CAP + 1, "a line per call made, one for those refused");
        const summary = found.find((l) => l.summary)!;
        assert.equal(summary.summary, "refused");
        assert.equal(summary.code, "TOOL_CALL_LIMIT");
        assert.equal(summary.refused, 3000 - CAP);
        assert.deepEqual(summary.tools, { "counter.hit": 3000 - CAP });
        assert.ok(summary.first! <= summary.last!);
        const grown = server.stderr().split("\n").length - before;
        assert.ok(grown < 5, `the host's stderr grew by ${grown} lines:\n${server.stderr()}`);
      });
    } finally {
      await server.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: 'audit_log ".cache/audit.jsonl" with the config outside the project: the folder is made',
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const home = await Deno.makeTempDir({ prefix: "mcm-audit-config-" });
    await Deno.writeTextFile(
      `${home}/conf.json`,
      JSON.stringify({
        servers: { counter: countingServer() },
        sandbox: { pool_size: 1 },
        approval: { audit_log: ".cache/audit.jsonl" },
      }),
    );
    const server = await startServer({ configPath: `${home}/conf.json`, cwd: home });
    try {
      const r = await execute(server, "tools.counter.hit(n=1)");
      assert.equal(r.ok, true, r.text);
      const path = `${home}/.cache/audit.jsonl`;
      await waitFor(async () => (await lines(path)).length === 1, "the call's line");
      const [line] = await lines(path);
      assert.equal(line.execution, r.execution_id);
      assert.deepEqual(line.arguments, { n: 1 });
      assert.doesNotMatch(server.stderr(), /cannot be written/, server.stderr());
    } finally {
      await server.close();
      await Deno.remove(home, { recursive: true });
    }
  },
});

/** A server whose one run makes calls past a cap of 5 until the shutdown ends it. */
async function loopingPastTheCap(audit: string) {
  const server = await startServer({
    config: {
      servers: { counter: countingServer() },
      sandbox: { pool_size: 1, max_tool_calls: 5 },
      policy: { enabled: false },
      approval: { audit_log: audit },
    },
  });
  const running = execute(
    server,
    "import json, _mcp_relay\nwhile True:\n    await _mcp_relay.call('counter', 'hit', '{}')",
  ).catch((error) => error);
  await waitFor(async () => (await lines(audit)).length === 5, "the 5 calls' lines");
  return { server, running };
}

Deno.test({
  name: "at shutdown the audit log is flushed, or says on stderr how many lines it lost",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "audit-shutdown-" });
    try {
      const audit = `${dir}/audit.jsonl`;
      const first = await loopingPastTheCap(audit);
      await first.server.close(); // ends the run, and with it the calls past the cap
      await first.running;
      const summary = (await lines(audit)).find((l) => l.summary === "refused");
      assert.ok((summary?.refused as number) > 0, "the summary was written before the exit");

      // The file held by another writer the whole time: the server waits, then says so.
      const held = `${dir}/held.jsonl`;
      const second = await loopingPastTheCap(held);
      using lock = await Deno.open(`${held}.lock`, { write: true });
      await lock.lock(true);
      await second.server.close();
      await second.running;
      assert.match(
        second.server.stderr(),
        /The audit log .*held\.jsonl was still being written \d+ ms into the shutdown; \d+ lines are lost\./,
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
