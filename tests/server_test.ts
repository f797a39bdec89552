/**
 * `execute_code` through the real server over stdio with the real SDK client, one server per
 * behaviour group (a crash in one cannot cascade into the others): results, errors,
 * guardrail refusals, isolation between runs, concurrency, and the MCP surface. The server runs
 * the default guardrail policy; the isolation check uses a second one with the policy off (it needs
 * `js` and `sys`).
 */
import assert from "node:assert/strict";
import { execute, startServer, withServer } from "../support/server.ts";

const opts = { sanitizeOps: false, sanitizeResources: false }; // the server is a child process

Deno.test({
  name: "execute_code: listing, output and results",
  ...opts,
  fn: (t) =>
    withServer({}, async (server) => {
      await t.step("lists execute_code with its schema", async () => {
        const { tools } = await server.client.listTools();
        const tool = tools.find((x) => x.name === "execute_code");
        assert.ok(tool, "execute_code is listed");
        assert.deepEqual(tool.inputSchema.required, ["code"]);
        assert.ok(tool.outputSchema, "execute_code declares its output schema");
      });
      await t.step("print goes to stdout, the last expression is the result", async () => {
        const r = await execute(server, "print('hello')\nx = 6 * 7\nx");
        assert.equal(r.ok, true);
        assert.equal(r.stdout, "hello\n");
        assert.equal(r.result, 42);
        assert.equal(r.isError, false);
        assert.deepEqual(JSON.parse(r.text).result, 42);
      });
      await t.step("a final line without newline is kept, stderr is separate", async () => {
        const r = await execute(
          server,
          "from sys import stderr\nprint('a', end='')\nstderr.write('warn')",
        );
        assert.equal(r.stdout, "a");
        assert.equal(r.stderr, "warn");
      });
      await t.step(
        "a variable named result is returned when there is no final expression",
        async () => {
          const r = await execute(server, "result = {'n': [1, 2], 's': 'x'}\nprint('done')");
          assert.deepEqual(r.result, { n: [1, 2], s: "x" });
        },
      );
      await t.step("a non-JSON value comes back as its repr", async () => {
        const r = await execute(server, "{1, 2} | {3}");
        assert.equal(r.result, "{1, 2, 3}");
      });
      await t.step("top-level await works", async () => {
        const r = await execute(
          server,
          "import asyncio\nasync def g(x):\n    await asyncio.sleep(0.01)\n    return x * 2\n" +
            "values = await asyncio.gather(*(g(i) for i in range(5)))\nvalues",
        );
        assert.equal(r.ok, true, r.text);
        assert.deepEqual(r.result, [0, 2, 4, 6, 8]);
      });
    }),
});

Deno.test({
  name: "execute_code: errors and exits",
  ...opts,
  fn: (t) =>
    withServer({}, async (server) => {
      await t.step("an exception is RUNTIME_ERROR with a clean traceback", async () => {
        const r = await execute(
          server,
          "def f(d):\n    return d['missing']\n\nprint('before')\nf({})",
        );
        assert.equal(r.ok, false);
        assert.equal(r.isError, true);
        assert.equal(r.error?.code, "RUNTIME_ERROR");
        assert.equal(r.error?.type, "KeyError");
        assert.equal(r.stdout, "before\n");
        const tb = r.error?.traceback ?? "";
        assert.match(tb, /File "<code>", line 5, in <module>/);
        assert.match(tb, /File "<code>", line 2, in f/);
        assert.match(tb, /return d\['missing'\]/);
        assert.doesNotMatch(tb, /_pyodide|pyodide\/|mcp-runner|<exec>/);
      });
      await t.step("a syntax error is SYNTAX_ERROR with line and column", async () => {
        const r = await execute(server, "x = 1\nif x\n    print(x)");
        assert.equal(r.ok, false);
        assert.equal(r.error?.code, "SYNTAX_ERROR");
        assert.match(r.error?.message ?? "", /line 2/);
        assert.match(r.error?.traceback ?? "", /\^/);
      });
      await t.step("sys.exit(0) is a normal end, sys.exit(3) an error", async () => {
        const zero = await execute(server, "from sys import exit\nprint('bye')\nexit(0)");
        assert.equal(zero.ok, true);
        assert.equal(zero.stdout, "bye\n");
        const three = await execute(server, "from sys import exit\nexit(3)");
        assert.equal(three.ok, false);
        assert.equal(three.error?.code, "RUNTIME_ERROR");
        assert.match(three.error?.message ?? "", /SystemExit: 3/);
      });
    }),
});

Deno.test({
  name: "execute_code: isolation, guardrails and limits",
  ...opts,
  fn: (t) =>
    withServer({}, async (server) => {
      await t.step("no state is shared between two runs (policy off to reach it)", async () => {
        const open = await startServer({
          config: { sandbox: { pool_size: 1 }, policy: { enabled: false } },
        });
        try {
          const first = await execute(
            open,
            "import sys, builtins\nsecret = 'kept?'\nbuiltins.leak = 1\nsys.modules['json'].leak = 2\n" +
              "import js\njs.globalThis.leak = 3\n'set'",
          );
          assert.equal(first.ok, true, first.text);
          const second = await execute(
            open,
            "import builtins, json, js\n[('secret' in globals()), hasattr(builtins, 'leak'), " +
              "hasattr(json, 'leak'), hasattr(js.globalThis, 'leak')]",
          );
          assert.deepEqual(second.result, [false, false, false, false]);
        } finally {
          await open.close();
        }
      });
      await t.step("a policy violation is POLICY_VIOLATION, and nothing ran", async () => {
        const r = await execute(
          server,
          "print('ran')\nimport subprocess\nrun = exec\n'the word eval in a string is fine'",
        );
        assert.equal(r.ok, false);
        assert.equal(r.isError, true);
        assert.equal(r.error?.code, "POLICY_VIOLATION");
        assert.equal(r.stdout, "");
        const message = r.error?.message ?? "";
        assert.match(
          message,
          /import "subprocess" is not allowed \(line 2, col 0\); allowed modules: json, /,
        );
        assert.match(message, /name "exec" is not allowed \(line 3, col 6\)/);
        assert.deepEqual(r.error?.violations?.map((v) => [v.rule, v.line, v.col]), [
          ["import", 2, 0],
          ["name", 3, 6],
        ]);
        const text = JSON.parse(r.text);
        assert.equal(text.error.code, "POLICY_VIOLATION");
        assert.equal(text.error.message, message);
      });
      await t.step("code over max_chars is refused before a sandbox is used", async () => {
        const r = await execute(server, `x = '${"a".repeat(9000)}'`);
        assert.equal(r.error?.code, "POLICY_VIOLATION");
        assert.match(r.error?.message ?? "", /9006 characters, more than the 8000 allowed/);
        assert.deepEqual(r.error?.violations?.map((v) => v.rule), ["max_chars"]);
      });
    }),
});

Deno.test({
  name: "execute_code: concurrency, bad arguments and the compact text",
  ...opts,
  fn: (t) =>
    withServer({}, async (server) => {
      await t.step("8 concurrent calls all succeed with their own results", async () => {
        const results = await Promise.all(
          Array.from(
            { length: 8 },
            (_, i) => execute(server, `import time\ntime.sleep(0.05)\nprint(${i})\n${i} * 10`),
          ),
        );
        results.forEach((r, i) => {
          assert.equal(r.ok, true, r.text);
          assert.equal(r.stdout, `${i}\n`);
          assert.equal(r.result, i * 10);
        });
      });
      await t.step(
        "bad arguments are rejected by schema, and the server keeps serving",
        async () => {
          const missing = await server.client.callTool({ name: "execute_code", arguments: {} });
          assert.equal(missing.isError, true);
          assert.match(JSON.stringify(missing.content), /code/);
          const badTimeout = await server.client.callTool({
            name: "execute_code",
            arguments: { code: "1", timeout_ms: -5 },
          });
          assert.equal(badTimeout.isError, true);
          const after = await execute(server, "1 + 1");
          assert.equal(after.result, 2);
        },
      );
      await t.step("the compact text leaves out empty fields", async () => {
        const r = await execute(server, "None");
        const text = JSON.parse(r.text);
        assert.deepEqual(Object.keys(text).sort(), ["duration_ms", "ok"]);
      });
    }),
});
