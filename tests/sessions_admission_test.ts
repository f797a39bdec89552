/**
 * Sessions under admission control, through the real server: a session's run takes one of
 * `max_concurrent` slots while it runs, idle session children do not use up the pool's cap on live
 * children, and an idle session child counts toward `total_rss_mb`.
 */
import assert from "node:assert/strict";
import { withServer } from "../support/server.ts";
import { run } from "../support/sessions.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
/**
 * Seconds a run keeps its slot (first test) or its child alive (second) on purpose: far past
 * `queue_timeout_ms`, and long enough for the memory watch to see it. These are the scenario's
 * workloads, not waits for readiness.
 */
const HOLD_SLOT_S = 3;
const STAY_ALIVE_S = 2;

Deno.test({
  name: "a session's run takes a max_concurrent slot; idle sessions leave the pool's cap alone",
  ...opts,
  fn: () =>
    withServer(
      { config: { sandbox: { pool_size: 0, max_concurrent: 1, queue_timeout_ms: 200 } } },
      async ({ client }) => {
        for (const name of ["a", "b", "c"]) {
          const r = await run(client, "1", { session: name });
          assert.equal(r.ok, true, r.text);
        }
        // Three idle session children, max_concurrent 1, no pool: a fresh run still gets a child.
        assert.equal((await run(client, "6 * 7")).result, 42);

        const slow = run(client, `import time\ntime.sleep(${HOLD_SLOT_S})\n'slow'`, {
          session: "a",
        });
        const fresh = await run(client, "1");
        assert.equal(fresh.error?.code, "BUSY", fresh.text);
        assert.equal((await slow).result, "slow");
      },
    ),
});

Deno.test({
  name: "an idle session child counts toward sandbox.total_rss_mb",
  ...opts,
  async fn() {
    const wait = `import time\ntime.sleep(${STAY_ALIVE_S})\n'survived'`;
    const config = { sandbox: { pool_size: 0, total_rss_mb: 256 } };
    await withServer({ config }, async ({ client }) => {
      const alone = await run(client, wait, { timeout_ms: 20_000 });
      assert.equal(alone.result, "survived", `without the session it fits: ${alone.text}`);
      // The session holds about 200 MB while idle (40 MB of data, WebAssembly memory grown).
      const big = "kept = bytearray(40 * 1024 * 1024)\nfor i in range(0, len(kept), 4096):\n" +
        "    kept[i] = 1";
      const held = await run(client, big, { session: "big", timeout_ms: 20_000 });
      assert.equal(held.ok, true, held.text);
      const crowded = await run(client, wait, { timeout_ms: 20_000 });
      assert.equal(crowded.error?.code, "MEMORY_LIMIT", crowded.text);
      assert.match(crowded.error!.message, /total_rss_mb/);
    });
  },
});
