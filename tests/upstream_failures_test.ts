/**
 * Upstream servers that misbehave, end to end through the real server and sandbox: results past
 * `max_result_bytes`, deeply nested JSON, JSON-RPC errors that mention "closed", servers that fail
 * to start or die (their stderr tells why), and the environment a stdio upstream inherits.
 */
import assert from "node:assert/strict";
import { execute, startServer, type TestServer } from "../support/server.ts";
import { testUpstream } from "../support/test_upstream.ts";
import { waitFor } from "../support/wait.ts";

/** Starts a server with the given upstreams and a pool of one, runs `fn`, always closes it. */
async function withServer(
  servers: Record<string, unknown>,
  fn: (server: TestServer) => Promise<void>,
  env?: Record<string, string>,
): Promise<void> {
  const server = await startServer({ config: { servers, sandbox: { pool_size: 1 } }, env });
  try {
    await fn(server);
  } finally {
    await server.close();
  }
}

Deno.test({
  name: "a result past max_result_bytes fails only that call; the connection and others stay",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await withServer(
      { t: testUpstream(), small: testUpstream({ max_result_bytes: 100_000 }) },
      async (server) => {
        const r = await execute(
          server,
          "import asyncio\n" +
            "held = asyncio.ensure_future(tools.t.hold.aio(key='a'))\n" +
            "await asyncio.sleep(0)  # let the held call go out\n" +
            "pid = tools.t.pid()\n" +
            "def attempt(fn, **kw):\n" +
            "    try:\n" +
            "        return len(fn(**kw))\n" +
            "    except ToolError as e:\n" +
            "        return [e.code, str(e)]\n" +
            "big = attempt(tools.t.big, bytes=12_000_000)\n" +
            "tools.t.release(key='a')\n" +
            "{'big': big, 'held': await held, 'same': tools.t.pid() == pid,\n" +
            " 'small_over': attempt(tools.small.big, bytes=200_000),\n" +
            " 'small_under': attempt(tools.small.big, bytes=50_000)}",
          60_000,
        );
        assert.equal(r.ok, true, r.text);
        const value = r.result as Record<string, unknown>;
        const [code, message] = value.big as [string, string];
        assert.equal(code, "RESULT_TOO_LARGE", message);
        assert.match(message, /12,?000,?\d{3} bytes/);
        assert.match(message, /max_result_bytes/);
        assert.match(message, /5,?242,?880/);
        assert.equal(value.held, "released a", "the call in flight was answered");
        assert.equal(value.same, true, "the upstream was not restarted");
        const [smallCode, smallMessage] = value.small_over as [string, string];
        assert.equal(smallCode, "RESULT_TOO_LARGE");
        assert.match(smallMessage, /servers\.small\.max_result_bytes/);
        assert.match(smallMessage, /100,?000/);
        assert.equal(value.small_under, 50_000);
      },
    );
  },
});

Deno.test({
  name: "deeply nested JSON from an upstream is INVALID_RESULT and the run goes on",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await withServer({ t: testUpstream() }, async (server) => {
      const r = await execute(
        server,
        "def attempt(**kw):\n" +
          "    try:\n" +
          "        tools.t.deep(**kw)\n" +
          "        return 'no error'\n" +
          "    except ToolError as e:\n" +
          "        return [e.code, str(e)]\n" +
          "def depth(value):\n" +
          "    n = 0\n" +
          "    while isinstance(value, (list, dict)) and value:\n" +
          "        value, n = (value[0] if isinstance(value, list) else value['v']), n + 1\n" +
          "    return n\n" +
          "[attempt(levels=200_000), attempt(levels=200_000, structured=True),\n" +
          " depth(tools.t.deep(levels=256)), depth(tools.t.deep(levels=255, structured=True)),\n" +
          " tools.t.echo(text='after')]",
      );
      assert.equal(r.ok, true, r.text);
      const [text, structured, ...rest] = r.result as [[string, string], [string, string]];
      for (const [code, message] of [text, structured]) {
        assert.equal(code, "INVALID_RESULT", message);
        assert.match(message, /nested more than \d+ levels/);
        assert.match(message, /t\.deep/);
      }
      // At the limit (256 levels, the innermost list empty) the value arrives whole.
      assert.deepEqual(rest, [255, 255, "after"]);
    });
  },
});

Deno.test({
  name: "a tool's JSON-RPC error that mentions 'closed' is TOOL_ERROR; the connection stays",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await withServer({ t: testUpstream() }, async (server) => {
      const r = await execute(
        server,
        "pid = tools.t.pid()\n" +
          "try:\n" +
          "    tools.t.fail(message='the file was closed by another process')\n" +
          "except ToolError as e:\n" +
          "    error = [e.code, str(e)]\n" +
          "[error, tools.t.pid() == pid]",
      );
      assert.equal(r.ok, true, r.text);
      const [[code, message], same] = r.result as [[string, string], boolean];
      assert.equal(code, "TOOL_ERROR", message);
      assert.match(message, /the file was closed by another process/);
      assert.equal(same, true, "the upstream was not restarted");
      assert.doesNotMatch(server.stderr(), /Upstream "t" is unavailable/);
    });
  },
});

Deno.test({
  name: "an upstream that fails to start or dies is reported with its own stderr",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await withServer({
      missing: { command: Deno.execPath(), args: ["run", "--quiet", "/nonexistent/server.ts"] },
      noisy: testUpstream({}, ["--fail-at-start", "fatal: MEMORY_FILE_PATH is not writable"]),
      t: testUpstream(),
    }, async (server) => {
      await t.step("the log and the description carry the reason", async () => {
        assert.match(server.stderr(), /Upstream "missing" is unavailable: .*Module not found/);
        assert.match(
          server.stderr(),
          /Upstream "noisy" is unavailable: .*fatal: MEMORY_FILE_PATH is not writable/,
        );
        const { tools } = await server.client.listTools();
        const description = tools.find((x) => x.name === "execute_code")!.description!;
        assert.match(description, /\nmissing: unavailable \(/);
        assert.match(description, /\nnoisy: unavailable \(/);
      });

      await t.step("Python gets ToolError UPSTREAM_UNAVAILABLE with that reason", async () => {
        const r = await execute(
          server,
          "out = []\n" +
            "for call in (lambda: tools.missing.anything(), lambda: tools.noisy.read(x=1)):\n" +
            "    try:\n" +
            "        call()\n" +
            "    except ToolError as e:\n" +
            "        out.append([e.server, e.code, str(e)])\n" +
            "try:\n" +
            "    await tools.noisy.other.aio()\n" +
            "except ToolError as e:\n" +
            "    out.append([e.server, e.code, str(e)])\n" +
            "out",
        );
        assert.equal(r.ok, true, r.text);
        const out = r.result as [string, string, string][];
        assert.deepEqual(out.map((o) => o.slice(0, 2)), [
          ["missing", "UPSTREAM_UNAVAILABLE"],
          ["noisy", "UPSTREAM_UNAVAILABLE"],
          ["noisy", "UPSTREAM_UNAVAILABLE"],
        ]);
        assert.match(out[0][2], /Module not found/);
        assert.match(out[1][2], /fatal: MEMORY_FILE_PATH is not writable/);
        assert.match(out[1][2], /code 2/);
      });

      await t.step("an upstream that dies mid-call is reported with its last words", async () => {
        const r = await execute(
          server,
          "try:\n    tools.t.die()\nexcept ToolError as e:\n    error = [e.code, str(e)]\nerror",
        );
        assert.equal(r.ok, true, r.text);
        const [code, message] = r.result as [string, string];
        assert.equal(code, "UPSTREAM_UNAVAILABLE", message);
        assert.match(message, /the disk is on fire/);
        assert.match(server.stderr(), /Upstream "t".*the disk is on fire/);
      });
    });
  },
});

Deno.test({
  name: "a permission an upstream lacks is said to belong in servers.<name>.args",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const dir = await Deno.makeTempDir({ prefix: "mcm-perm-" });
    const file = `${dir}/out.txt`;
    const advice = (server: string) =>
      new RegExp(
        `Requires write access to "${file}"; the upstream "${server}" was started without that ` +
          `permission: add --allow-write=${file} \\(or a folder above it\\) to servers\\.${server}\\.args`,
      );
    try {
      await withServer({
        starts: testUpstream({}, ["--write-at-start", file]),
        calls: testUpstream(),
      }, async (server) => {
        await t.step("one that fails at start: the log and Python's ToolError", async () => {
          assert.match(server.stderr(), /Upstream "starts" is unavailable: /);
          assert.match(server.stderr(), advice("starts"), server.stderr());
          const r = await execute(
            server,
            "try:\n    tools.starts.anything()\nexcept ToolError as e:\n    error = str(e)\nerror",
          );
          assert.match(String(r.result), advice("starts"));
          assert.doesNotMatch(server.stderr() + String(r.result), /run again with the/);
        });

        await t.step("one whose call needs it: the call's ToolError", async () => {
          const r = await execute(
            server,
            `try:\n    tools.calls.write(path=${JSON.stringify(file)})\n` +
              "except ToolError as e:\n    error = [e.code, str(e)]\nerror",
          );
          const [code, message] = r.result as [string, string];
          assert.equal(code, "TOOL_ERROR", message);
          assert.match(message, advice("calls"));
          assert.doesNotMatch(message, /run again with the/);
          assert.throws(() => Deno.statSync(file), "nothing was written");
        });
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "an upstream command that is not found is named with servers.<name>.command",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const gone = `/nonexistent-${crypto.randomUUID()}`;
    await withServer({
      nope: { command: "deno-nope", args: ["run", "x.ts"] },
      lost: { command: Deno.execPath(), args: ["run", "x.ts"], cwd: gone },
    }, async (server) => {
      assert.match(
        server.stderr(),
        /Upstream "nope" is unavailable: the command "deno-nope" was not found \(servers\.nope\.command\); install it, or give its full path\./,
      );
      assert.match(
        server.stderr(),
        new RegExp(
          `Upstream "lost" is unavailable: its working folder ${gone} does not exist ` +
            "\\(servers\\.lost\\.cwd\\)",
        ),
      );
      assert.doesNotMatch(server.stderr(), /spawn \S+ ENOENT/);
      const r = await execute(
        server,
        "try:\n    tools.nope.anything()\nexcept ToolError as e:\n    error = str(e)\nerror",
      );
      assert.match(String(r.result), /the command "deno-nope" was not found/);
    });
  },
});

Deno.test({
  name: "an upstream ended by a stop signal is told on next use, not warned of at once",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await withServer({ t: testUpstream() }, async (server) => {
      const first = await execute(server, "tools.t.pid()");
      Deno.kill(Number(first.result), "SIGTERM");
      await waitFor(
        () => /debug: Upstream "t" disconnected \(it was ended by SIGTERM\)/.test(server.stderr()),
        "the host to see the upstream end",
      );
      const second = await execute(server, "tools.t.pid()");
      assert.equal(second.ok, true, second.text);
      assert.notEqual(second.result, first.result, "restarted");
      assert.match(
        server.stderr(),
        /info: Upstream "t" is unavailable \(it was ended by SIGTERM\); reconnecting for a call\./,
      );
      assert.doesNotMatch(server.stderr(), /warn: Upstream "t" disconnected/);
    }, { MCP_CODE_MODE_LOG: "debug" });
  },
});

Deno.test({
  name: "stdio upstreams inherit DENO_DIR",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const info = await new Deno.Command(Deno.execPath(), { args: ["info", "--json"] }).output();
    const denoDir = JSON.parse(new TextDecoder().decode(info.stdout)).denoDir as string;
    await withServer({ t: testUpstream() }, async (server) => {
      const r = await execute(server, "tools.t.deno_dir()");
      assert.equal(r.ok, true, r.text);
      assert.equal(r.result, denoDir);
    }, { DENO_DIR: denoDir });
  },
});
