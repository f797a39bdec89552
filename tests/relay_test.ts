/**
 * The relay between Python and the host, with an in-process test dispatcher (echo, sleep, fail)
 * behind the real executor and real sandbox children.
 */
import assert from "node:assert/strict";
import { SandboxConfigSchema } from "../src/config.ts";
import type { ToolDispatcher, ToolRef } from "../src/contracts.ts";
import { Executor } from "../src/sandbox_host/executor.ts";

const tools: ToolRef[] = ["echo", "sleep", "fail"].map((tool) => ({
  server: "test-server",
  tool,
  py_server: "test",
  py_name: tool,
  doc: `The ${tool} test tool.`,
}));

let inFlight = 0;
let maxInFlight = 0;
let calls = 0;

const dispatcher: ToolDispatcher = {
  catalog: () => tools,
  async call(ref, args, { signal }) {
    calls++;
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      if (ref.tool === "echo") return { ok: true, value: args };
      if (ref.tool === "sleep") {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Number(args.ms ?? 100));
          signal.addEventListener("abort", () => {
            clearTimeout(timer);
            resolve();
          });
        });
        return { ok: true, value: { slept: args.ms ?? 100, id: args.id ?? null } };
      }
      if (ref.tool === "fail") {
        return { ok: false, code: "TOOL_ERROR", message: `failed on purpose: ${args.why}` };
      }
      throw new Error("unreachable");
    } finally {
      inFlight--;
    }
  },
};

Deno.test({
  name: "relay",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const created = await Executor.create(
      SandboxConfigSchema.parse({ pool_size: 1, max_tool_calls: 2000 }),
      {
        dispatcher,
      },
    );
    assert.ok(created.ok);
    const executor = created.executor;
    try {
      await t.step("a sync call returns the tool's value", async () => {
        const r = await executor.execute("tools.test.echo(a=1, b=[1, 'x'], c={'d': None})");
        assert.equal(r.ok, true, JSON.stringify(r));
        assert.deepEqual(r.result, { a: 1, b: [1, "x"], c: { d: null } });
        assert.equal(r.tool_calls.length, 1);
        assert.deepEqual({ ...r.tool_calls[0], ms: 0 }, {
          server: "test-server",
          tool: "echo",
          ok: true,
          ms: 0,
        });
      });

      await t.step("an async call works with .aio and a dict argument", async () => {
        const r = await executor.execute("await tools.test.echo.aio({'k': 'v'})");
        assert.deepEqual(r.result, { k: "v" });
      });

      await t.step("50 calls under asyncio.gather run concurrently", async () => {
        maxInFlight = 0;
        const r = await executor.execute(
          "import asyncio\nout = await asyncio.gather(*(tools.test.sleep.aio(ms=200, id=i) for i in range(50)))\n[o['id'] for o in out]",
        );
        assert.equal(r.ok, true, JSON.stringify(r.error));
        assert.deepEqual(r.result, Array.from({ length: 50 }, (_, i) => i));
        assert.equal(maxInFlight, 50, "all 50 calls were in flight at once");
        assert.equal(r.tool_calls.length, 50);
      });

      await t.step("a failing tool raises ToolError in Python", async () => {
        const caught = await executor.execute(
          "try:\n    tools.test.fail(why='x')\nexcept ToolError as e:\n    result = [str(e), e.server, e.tool, e.code]",
        );
        assert.deepEqual(caught.result, [
          "failed on purpose: x",
          "test-server",
          "fail",
          "TOOL_ERROR",
        ]);
        assert.equal(caught.tool_calls[0]?.ok, false);
        const uncaught = await executor.execute("tools.test.fail(why='y')");
        assert.equal(uncaught.error?.code, "RUNTIME_ERROR");
        assert.equal(uncaught.error?.type, "ToolError");
        assert.match(uncaught.error?.traceback ?? "", /File "<code>", line 1/);
      });

      await t.step("1,000 sequential calls work", async () => {
        const before = calls;
        const r = await executor.execute(
          "total = 0\nfor i in range(1000):\n    total += tools.test.echo(i=i)['i']\ntotal",
          {
            timeoutMs: 60_000,
          },
        );
        assert.equal(r.result, 499500, JSON.stringify(r.error));
        assert.equal(calls - before, 1000);
      });

      await t.step("help() shows the tool's doc, unknown names say what exists", async () => {
        const r = await executor.execute(
          "help(tools.test.echo)\ntry:\n    tools.test.nope\nexcept AttributeError as e:\n    result = str(e)",
        );
        assert.match(r.stdout, /The echo test tool\./);
        assert.match(String(r.result), /no tool 'nope'; available: echo, fail, sleep/);
      });

      await t.step("non-JSON arguments are a clear TypeError before any call", async () => {
        const before = calls;
        const r = await executor.execute("tools.test.echo(x={1, 2})");
        assert.equal(r.error?.type, "TypeError");
        assert.match(
          r.error?.message ?? "",
          /tools\.test\.echo: arguments must be JSON-serialisable/,
        );
        assert.equal(calls, before);
      });

      await t.step("NaN in arguments is refused in Python, not sent as invalid JSON", async () => {
        const before = calls;
        const r = await executor.execute("tools.test.echo(x=float('nan'))");
        assert.equal(r.error?.type, "TypeError", JSON.stringify(r));
        assert.match(r.error?.message ?? "", /JSON-serialisable/);
        assert.equal(calls, before);
      });

      await t.step("positional arguments are refused with a hint", async () => {
        const r = await executor.execute("tools.test.echo(1, 2)");
        assert.match(r.error?.message ?? "", /keyword arguments only/);
      });

      await t.step("a timeout during a pending call aborts it", async () => {
        const r = await executor.execute("tools.test.sleep(ms=10000)", { timeoutMs: 500 });
        assert.equal(r.error?.code, "TIMEOUT");
      });
    } finally {
      await executor.close();
    }
  },
});

Deno.test({
  name: "relay: the tool-call cap ends the run with TOOL_CALL_LIMIT",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const created = await Executor.create(
      SandboxConfigSchema.parse({ pool_size: 1, max_tool_calls: 5 }),
      { dispatcher },
    );
    assert.ok(created.ok);
    try {
      const r = await created.executor.execute(
        "n = 0\nfor i in range(10):\n    try:\n        tools.test.echo(i=i)\n        n += 1\n    except Exception:\n        pass\nprint(n)",
      );
      assert.equal(r.ok, false);
      assert.equal(r.error?.code, "TOOL_CALL_LIMIT", JSON.stringify(r));
      assert.equal(r.tool_calls.length, 5);
      const caught = await created.executor.execute(
        "for i in range(10):\n    try:\n        tools.test.echo(i=i)\n    except BaseException:\n        pass\n'swallowed'",
      );
      assert.equal(caught.error?.code, "TOOL_CALL_LIMIT", "a swallowed limit still fails the run");
      // `except Exception` cannot swallow the limit and keep looping: the loop ends at the first
      // refused call; the exception names the setting and carries the code.
      const looped = await created.executor.execute(
        "n = 0\ntry:\n    while True:\n        try:\n            tools.test.echo(i=n)\n" +
          "        except Exception:\n            pass\n        n += 1\nexcept BaseException as e:\n" +
          "    print(n, type(e).__name__, isinstance(e, Exception), e.code, e.server, e.tool)\n" +
          "    print(e)",
      );
      assert.equal(looped.error?.code, "TOOL_CALL_LIMIT");
      const [first, message] = looped.stdout.trim().split("\n");
      assert.equal(
        first,
        "5 ToolCallLimitExceeded False TOOL_CALL_LIMIT test-server echo",
        looped.stdout,
      );
      assert.match(message, /more than 5 tool calls \(sandbox\.max_tool_calls\)/);
      assert.match(looped.error?.message ?? "", /sandbox\.max_tool_calls/);
    } finally {
      await created.executor.close();
    }
  },
});
