/**
 * Cancellation through the real server: a client that aborts its `execute_code` request (the
 * SDK sends `notifications/cancelled`) ends the run as CANCELLED, not TIMEOUT, and its child is
 * killed.
 */
import assert from "node:assert/strict";
import { descendants } from "../support/processes.ts";
import { startServer } from "../support/server.ts";

/** Polls `check` every 50 ms until it is true; false after `ms`. */
async function until(check: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

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
      const started = await until(() => server.stderr().includes("execute_code started"), 30_000);
      assert.ok(started, server.stderr());
      // The run has its own child by now (pool_size 0): wait for it, then cancel.
      assert.ok(await until(async () => (await descendants(server.pid)).length > 0, 30_000));
      aborter.abort();
      assert.equal(await call, "rejected");
      const ended = await until(
        () => /execute_code failed \((\w+)\)/.test(server.stderr()),
        30_000,
      );
      assert.ok(ended, server.stderr());
      assert.equal(server.stderr().match(/execute_code failed \((\w+)\)/)?.[1], "CANCELLED");
      assert.ok(
        await until(async () => (await descendants(server.pid)).length === 0, 10_000),
        "the cancelled run's child is still alive",
      );
    } finally {
      await server.close();
    }
  },
});
