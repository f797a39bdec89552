/**
 * Cancellation through the real server: a client that aborts its `execute_code` request (the
 * SDK sends `notifications/cancelled`) ends the run as CANCELLED, not TIMEOUT, and its child is
 * killed.
 */
import assert from "node:assert/strict";
import { descendants } from "../support/processes.ts";
import { startServer } from "../support/server.ts";
import { waitFor } from "../support/wait.ts";

Deno.test({
  name: "a request the client aborts ends as CANCELLED and its child is killed",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const server = await startServer({
      config: { sandbox: { pool_size: 0 } },
      env: { MCP_CODE_MODE_LOG: "debug" },
    });
    try {
      const aborter = new AbortController();
      const call = server.client.callTool(
        { name: "execute_code", arguments: { code: "import asyncio\nawait asyncio.sleep(60)" } },
        undefined,
        { signal: aborter.signal, timeout: 120_000 },
      ).then(() => "answered", () => "rejected");
      await waitFor(() => server.stderr().includes("execute_code started"), "the run's start");
      // The run has its own child by now (pool_size 0): wait for it, then cancel.
      await waitFor(async () => (await descendants(server.pid)).length > 0, "the run's child");
      aborter.abort();
      assert.equal(await call, "rejected");
      await waitFor(() => /execute_code failed \((\w+)\)/.test(server.stderr()), "the run's end");
      assert.equal(server.stderr().match(/execute_code failed \((\w+)\)/)?.[1], "CANCELLED");
      await waitFor(
        async () => (await descendants(server.pid)).length === 0,
        "the cancelled run's child to end",
        10_000,
      );
    } finally {
      await server.close();
    }
  },
});
