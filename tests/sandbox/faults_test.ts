/**
 * The fault suite: programs that loop, exhaust memory, flood output or recurse without end, run
 * through the real server. Each gets its error (or a truncated result) in bounded time, the host's
 * memory stays bounded, and the next execution succeeds. The guardrail policy is off (some faults
 * go through `run_js`): the limits must hold without it.
 */
import assert from "node:assert/strict";
import { rssMb } from "../../support/processes.ts";
import { execute, startServer, type TestServer } from "../../support/server.ts";
import { run } from "../../support/sessions.ts";

const TIMEOUT_MS = 1500;

/** Programs that exhaust memory: Python's wasm memory, JS typed arrays (the RSS watch), the JS heap. */
const MEMORY_BOMBS = [
  {
    name: "a growing Python list (MemoryError)",
    code: "chunks = []\nwhile True:\n    chunks.append(bytearray(8 * 1024 * 1024))",
    timeout: 30_000,
  },
  {
    name: "JS typed arrays through run_js (the RSS watch)",
    code:
      "from pyodide.code import run_js\nrun_js('globalThis.keep = []; while (true) { globalThis.keep.push(new Uint8Array(64 * 1024 * 1024).fill(1)); }')",
    timeout: 60_000,
  },
  {
    name: "a JS heap bomb",
    code:
      "from pyodide.code import run_js\nrun_js('globalThis.a = []; while (true) { globalThis.a.push({ x: [1, 2, 3], s: \"y\".repeat(100) + Math.random() }); }')",
    timeout: 60_000,
  },
];

for (const isolation of ["process", "worker"]) {
  Deno.test({
    name: `faults end in clear errors and the server keeps serving (isolation ${isolation})`,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn(t) {
      const server: TestServer = await startServer({
        config: {
          sandbox: {
            pool_size: 2,
            memory_mb: 256,
            rss_limit_mb: 700,
            output_bytes: 4096,
            output_hard_bytes: 1024 * 1024,
            isolation,
          },
          policy: { enabled: false },
        },
      });
      const hostBefore = await rssMb(server.pid);
      const next = async () => {
        const r = await execute(server, "sum(range(10))");
        assert.equal(r.result, 45, `the next execution failed: ${r.text}`);
      };
      try {
        await next();
        // No wall-clock asserts (the machine may be loaded): a run that was not stopped would end
        // with another code, or not at all.
        await t.step("an infinite loop is TIMEOUT, stopped by the child itself", async () => {
          const r = await execute(
            server,
            "print('started')\nn = 0\nwhile True:\n    n += 1",
            TIMEOUT_MS,
          );
          assert.equal(r.error?.code, "TIMEOUT", r.text);
          assert.match(r.error?.message ?? "", /1500 ms/);
          assert.equal(r.stdout, "started\n", "the output before the deadline is kept");
          assert.match(r.error?.traceback ?? "", /File "<code>", line [34], in <module>/);
          await next();
        });

        await t.step("a loop that swallows the interrupt is killed by the host", async () => {
          const r = await execute(
            server,
            "while True:\n    try:\n        while True:\n            pass\n    except KeyboardInterrupt:\n        pass",
            TIMEOUT_MS,
          );
          assert.equal(r.error?.code, "TIMEOUT", r.text);
          assert.equal(r.error?.traceback, undefined, "the host killed it: Python never answered");
          await next();
        });

        await t.step("a blocking sleep is TIMEOUT too", async () => {
          const r = await execute(server, "import time\ntime.sleep(60)", TIMEOUT_MS);
          assert.equal(r.error?.code, "TIMEOUT", r.text);
          await next();
        });

        // Each ends as MEMORY_LIMIT, not TIMEOUT: well before its deadline.
        for (const bomb of MEMORY_BOMBS) {
          await t.step(`${bomb.name} is MEMORY_LIMIT`, async () => {
            const r = await execute(server, bomb.code, bomb.timeout);
            assert.equal(r.error?.code, "MEMORY_LIMIT", r.text);
            await next();
          });
        }

        await t.step(
          "an output flood is truncated with a marker, and a huge one stopped",
          async () => {
            const cut = await execute(
              server,
              "for i in range(2000):\n    print('line', i)\n'finished'",
            );
            assert.equal(cut.ok, true, cut.text);
            assert.equal(cut.truncated, true);
            assert.equal(cut.result, "finished");
            assert.ok(cut.stdout.length < 4096 + 200);
            assert.match(cut.stdout, /output truncated/);
            const flood = await execute(server, "while True:\n    print('x' * 1000)", 30_000);
            assert.equal(flood.error?.code, "OUTPUT_LIMIT", flood.text);
            assert.ok(flood.stdout.length < 4096 + 200);
            await next();
          },
        );

        await t.step("a huge return value is cut", async () => {
          const r = await execute(server, "'x' * 200_000");
          assert.equal(r.truncated, true);
          assert.ok(String(r.result).length < 70_000);
          await next();
        });

        await t.step("deep recursion is RecursionError", async () => {
          const r = await execute(server, "def f(n):\n    return f(n + 1)\nf(0)");
          assert.equal(r.error?.code, "RUNTIME_ERROR", r.text);
          assert.equal(r.error?.type, "RecursionError");
          await next();
        });

        await t.step("the host's memory did not explode", async () => {
          const after = await rssMb(server.pid);
          assert.ok(after < hostBefore + 300, `host RSS grew from ${hostBefore} MB to ${after} MB`);
        });
      } finally {
        await server.close();
      }
    },
  });
}

/** Faults inside a session: one that kills the child ends the session, a Python error keeps it. */
const SESSION_FAULTS: Array<
  { name: string; code: string; error: string; ends: boolean; timeout?: number }
> = [
  { name: "an infinite loop", code: "while True:\n    pass", error: "TIMEOUT", ends: true },
  {
    name: "a loop that swallows the interrupt",
    code:
      "while True:\n    try:\n        while True:\n            pass\n    except KeyboardInterrupt:\n        pass",
    error: "TIMEOUT",
    ends: true,
  },
  ...MEMORY_BOMBS.slice(0, 2).map((bomb) => ({ ...bomb, error: "MEMORY_LIMIT", ends: true })),
  {
    name: "an output flood",
    code: "while True:\n    print('x' * 1000)",
    error: "OUTPUT_LIMIT",
    ends: true,
    timeout: 30_000,
  },
  {
    name: "deep recursion",
    code: "def f(n):\n    return f(n + 1)\nf(0)",
    error: "RUNTIME_ERROR",
    ends: false,
  },
];

for (const isolation of ["process", "worker"]) {
  Deno.test({
    name:
      `faults inside a session: a killed child ends the session, a Python error keeps it (isolation ${isolation})`,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn(t) {
      const server = await startServer({
        config: {
          sandbox: {
            pool_size: 1,
            memory_mb: 256,
            rss_limit_mb: 700,
            output_bytes: 4096,
            output_hard_bytes: 1024 * 1024,
            isolation,
          },
          policy: { enabled: false },
        },
      });
      try {
        for (const fault of SESSION_FAULTS) {
          await t.step(`${fault.name} is ${fault.error}`, async () => {
            const session = "faults";
            const before = await run(server.client, "marker = 7", { session });
            assert.equal(before.ok, true, before.text);
            const r = await run(server.client, fault.code, {
              session,
              timeout_ms: fault.timeout ?? TIMEOUT_MS,
            });
            assert.equal(r.error?.code, fault.error, r.text);
            const after = await run(server.client, "globals().get('marker')", { session });
            assert.equal(after.ok, true, after.text);
            assert.equal(after.session?.state, fault.ends ? "new" : "resumed");
            assert.equal(
              after.result,
              fault.ends ? undefined : 7,
              "the earlier state is gone only with the child",
            );
          });
        }
      } finally {
        await server.close();
      }
    },
  });
}
