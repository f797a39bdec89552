/**
 * Admission control through the real server: under many concurrent long runs the host keeps
 * answering `ping` and `tools/list`, never has more than max_concurrent + pool_size sandbox
 * children, and finishes every run; a run that cannot start within queue_timeout_ms ends with
 * BUSY; past sandbox.total_rss_mb the largest running child is stopped with MEMORY_LIMIT.
 */
import assert from "node:assert/strict";
import { descendantsMatching } from "../support/processes.ts";
import { execute, startServer, type TestServer } from "../support/server.ts";

const SLEEP = (s: number) => `import asyncio\nawait asyncio.sleep(${s})\n'slept'`;
/**
 * How often the peak sampler counts children. It measures a peak over the whole batch, so it is a
 * sampling period, not a wait for something to be ready.
 */
const SAMPLE_MS = 100;

/** Polls the number of live sandbox children until `stop` resolves; returns the peak. */
async function peakChildren(server: TestServer, stop: Promise<unknown>): Promise<number> {
  let done = false;
  stop.finally(() => (done = true));
  let peak = 0;
  while (!done) {
    peak = Math.max(peak, (await descendantsMatching(server.pid, "sandbox/worker.ts")).length);
    await new Promise((r) => setTimeout(r, SAMPLE_MS));
  }
  return peak;
}

Deno.test({
  name: "under 12 concurrent sleeps the host answers, and children never pass the cap",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startServer({
      config: { sandbox: { pool_size: 1, max_concurrent: 2, queue_timeout_ms: 300_000 } },
    });
    try {
      let pending = 12;
      const runs = Promise.all(
        Array.from({ length: 12 }, () => execute(server, SLEEP(1)).finally(() => pending--)),
      );
      const peak = peakChildren(server, runs);
      // Answered while executions are still queued behind the two slots.
      await server.client.ping();
      const { tools } = await server.client.listTools();
      assert.ok(tools.some((t) => t.name === "execute_code"));
      assert.ok(pending > 0, "ping and tools/list waited for the queue");
      const results = await runs;
      assert.deepEqual(results.map((r) => r.result), Array(12).fill("slept"));
      const seen = await peak;
      assert.ok(seen >= 1 && seen <= 3, `peak of ${seen} sandbox children (cap 3)`);
    } finally {
      await server.close();
    }
  },
});

Deno.test({
  name: "a run that cannot start within queue_timeout_ms ends with BUSY naming the setting",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startServer({
      config: { sandbox: { pool_size: 0, max_concurrent: 1, queue_timeout_ms: 200 } },
    });
    try {
      const [first, second] = await Promise.all([
        execute(server, SLEEP(3)),
        execute(server, SLEEP(3)),
      ]);
      assert.equal(first.result, "slept", first.text);
      assert.equal(second.error?.code, "BUSY", second.text);
      assert.match(second.error?.message ?? "", /1 executions are running/);
      assert.match(second.error?.message ?? "", /raise sandbox\.max_concurrent/);
      const after = await execute(server, "1 + 1");
      assert.equal(after.result, 2, "the server serves again once the slot is free");
    } finally {
      await server.close();
    }
  },
});

Deno.test({
  name: "past total_rss_mb the largest running child is stopped, and the others go on",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startServer({
      config: { sandbox: { pool_size: 0, max_concurrent: 2, total_rss_mb: 400 } },
    });
    try {
      const [big, small] = await Promise.all([
        execute(server, "import asyncio\ndata = b'x' * (300 * 2**20)\nawait asyncio.sleep(30)"),
        execute(server, SLEEP(10)),
      ]);
      assert.equal(big.error?.code, "MEMORY_LIMIT", big.text);
      assert.match(big.error?.message ?? "", /more than sandbox\.total_rss_mb \(400 MB\)/);
      assert.equal(small.result, "slept", small.text);
    } finally {
      await server.close();
    }
  },
});
