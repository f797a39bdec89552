/**
 * The tool-call cap is exact (policy off, so the host alone holds it): concurrent calls and
 * calls made around the `tools` API take their slot before anything is dispatched, nothing past
 * `max_tool_calls` reaches the upstream, and the run ends with TOOL_CALL_LIMIT. What the upstream
 * received is counted by the upstream itself (a real MCP server that counts its calls).
 */
import assert from "node:assert/strict";
import { execute, startServer } from "../support/server.ts";
import { countingServer } from "../support/counting_server.ts";

const CAP = 200;

Deno.test({
  name: "the tool-call cap holds for concurrent and hand-made calls",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const server = await startServer({
      config: {
        servers: { counter: countingServer(), other: countingServer() },
        sandbox: { pool_size: 1, max_tool_calls: CAP, timeout_ms: 120_000 },
        policy: { enabled: false },
      },
    });
    try {
      await t.step("10000 gathered .aio() calls dispatch exactly the cap", async () => {
        const r = await execute(
          server,
          "import asyncio\n" +
            "calls = [tools.counter.hit.aio(n=i) for i in range(10000)]\n" +
            "done = await asyncio.gather(*calls, return_exceptions=True)\n" +
            "len(done)",
        );
        assert.equal(r.error?.code, "TOOL_CALL_LIMIT", r.text);
        assert.equal(r.tool_calls.length, CAP);
        const count = await execute(server, "tools.counter.count()");
        assert.equal(count.result, CAP, count.text);
      });

      await t.step("calls made around the tools API count the same", async () => {
        const r = await execute(
          server,
          "import asyncio, json, _mcp_relay\n" +
            "raw = [_mcp_relay.call('other', 'hit', json.dumps({'n': i})) for i in range(300)]\n" +
            "replies = await asyncio.gather(*raw)\n" +
            "[json.loads(x)['ok'] for x in replies].count(False)",
        );
        assert.equal(r.error?.code, "TOOL_CALL_LIMIT", r.text);
        const count = await execute(server, "tools.other.count()");
        assert.equal(count.result, CAP, count.text);
      });
    } finally {
      await server.close();
    }
  },
});
