/**
 * The warm pool (src/sandbox_host/pool.ts) with real sandbox children: it keeps pool_size ready,
 * hands each child out once, never has more than max_concurrent + pool_size live children, and
 * on close kills its children and answers whoever waits.
 */
import assert from "node:assert/strict";
import { SandboxConfigSchema } from "../../src/config.ts";
import { type AcquireResult, WarmPool } from "../../src/sandbox_host/pool.ts";
import { emptyDir, ensureSnapshot } from "../../src/sandbox_host/snapshot.ts";
import { isAlive } from "../../support/processes.ts";

async function pool(settings: Record<string, unknown>): Promise<WarmPool> {
  const config = SandboxConfigSchema.parse(settings);
  const snapshot = await ensureSnapshot(config);
  assert.ok(snapshot.ok, !snapshot.ok ? snapshot.message : "");
  return new WarmPool({ config, snapshot: snapshot.bytes, cwd: await emptyDir(config) });
}

function child(result: AcquireResult) {
  assert.ok(result.ok, !result.ok ? result.message : "");
  return result.child;
}

Deno.test({
  name: "the pool keeps pool_size children ready and hands each out once",
  async fn() {
    const warm = await pool({ pool_size: 2, max_concurrent: 2 });
    try {
      await warm.warmUp();
      assert.equal(warm.pids.length, 2);
      const first = await warm.acquire();
      assert.ok(first.ok && first.warm);
      assert.equal(warm.pids.includes(child(first).pid), false, "handed out, no longer idle");
      const second = child(await warm.acquire());
      assert.notEqual(second.pid, child(first).pid);
      child(first).kill();
      second.kill();
    } finally {
      await warm.close();
    }
  },
});

Deno.test({
  name: "the pool never has more than max_concurrent + pool_size live children",
  async fn() {
    const warm = await pool({ pool_size: 1, max_concurrent: 1 });
    try {
      await warm.warmUp();
      assert.equal(warm.cap, 2);
      const first = child(await warm.acquire());
      const second = child(await warm.acquire());
      assert.equal(warm.live, 2);
      let thirdDone = false;
      const third = warm.acquire().then((r) => (thirdDone = true, r));
      // Nothing can start while the cap is reached: the third waits for a handed-out child to end.
      assert.equal(warm.live, 2);
      assert.equal(thirdDone, false);
      first.kill();
      await first.exited;
      const got = child(await third);
      assert.ok(warm.live <= warm.cap);
      assert.notEqual(got.pid, first.pid);
      second.kill();
      got.kill();
    } finally {
      await warm.close();
    }
  },
});

Deno.test({
  name: "close kills idle children",
  async fn() {
    const warm = await pool({ pool_size: 2, max_concurrent: 1 });
    await warm.warmUp();
    const idle = warm.pids;
    assert.equal(idle.length, 2);
    await warm.close();
    assert.deepEqual(idle.filter(isAlive), []);
    assert.deepEqual(await warm.acquire(), { ok: false, message: "the sandbox pool is closed" });
  },
});

Deno.test({
  name: "close answers an acquire that waits at the cap",
  async fn() {
    const warm = await pool({ pool_size: 0, max_concurrent: 1 });
    const held = child(await warm.acquire());
    const waiting = warm.acquire();
    await warm.close();
    const answer = await waiting;
    assert.equal(answer.ok, false);
    assert.match(!answer.ok ? answer.message : "", /shutting down/);
    held.kill();
    await held.exited;
  },
});
