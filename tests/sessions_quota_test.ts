/**
 * The accounting of sandbox sessions on its own: `SessionQuota` (shares per client, the host-wide
 * total, the messages), and `SessionRegistry` with an injected child source, so that starts can be
 * held open: many at once never overshoot a limit, a failed start gives its slot back, and an
 * ended session or a closed connection gives its slots back.
 */
import assert from "node:assert/strict";
import {
  perClientLimit,
  type SessionClient,
  SessionQuota,
} from "../src/sandbox_host/session_quota.ts";
import { type ChildSource, type Lease, SessionRegistry } from "../src/sandbox_host/sessions.ts";
import { SessionsConfigSchema } from "../src/sandbox_host/sessions_config.ts";
import { spawnChild } from "../support/children.ts";
import { waitFor } from "../support/wait.ts";

const alice: SessionClient = { id: "bearer:1", label: "bearer token 1" };
const bob: SessionClient = { id: "bearer:2", label: "bearer token 2" };
const carol: SessionClient = { id: "http:c", label: "an MCP session without a token" };

Deno.test("perClientLimit: half of max_total, at least 1, unless set", () => {
  assert.equal(perClientLimit({ max_total: 16 }), 8);
  assert.equal(perClientLimit({ max_total: 5 }), 2);
  assert.equal(perClientLimit({ max_total: 1 }), 1);
  assert.equal(perClientLimit({ max_total: 0 }), 1);
  assert.equal(perClientLimit({ max_total: 16, max_per_client: 16 }), 16);
  assert.equal(perClientLimit({ max_total: 16, max_per_client: 0 }), 0);
  assert.equal(perClientLimit(SessionsConfigSchema.parse({})), 8, "the default config");
});

Deno.test("SessionQuota: a client's share, then the total, each with its own message", () => {
  const quota = new SessionQuota({ max_total: 4 });
  const a1 = quota.take(alice);
  const a2 = quota.take(alice);
  assert.ok(a1.ok && a2.ok);
  const a3 = quota.take(alice);
  assert.ok(!a3.ok);
  assert.equal(a3.error.code, "SESSION_LIMIT");
  assert.match(a3.error.message, /^This client \(bearer token 1\) already keeps 2 sandbox/);
  assert.match(a3.error.message, /sessions\.max_per_client is 2/);
  assert.match(a3.error.message, /ends when its MCP connection closes/, "how a session ends");
  assert.equal(quota.heldBy(alice), 2, "a refusal counts nothing");

  assert.ok(quota.take(bob).ok, "another client still gets one");
  assert.ok(quota.take(carol).ok);
  assert.equal(quota.total, 4);
  const full = quota.take({ id: "http:d", label: "an MCP session without a token" });
  assert.ok(!full.ok);
  assert.match(full.error.message, /^The server already keeps 4 sandbox sessions/);
  assert.match(full.error.message, /sessions\.max_total/);
  assert.doesNotMatch(full.error.message, /max_per_client/);

  a1.release();
  a1.release(); // a second release gives back nothing more
  assert.equal(quota.heldBy(alice), 1);
  assert.equal(quota.total, 3);
  assert.ok(quota.take(alice).ok, "a released slot can be taken again");
  assert.equal(quota.take(alice).ok, false);
});

Deno.test("SessionQuota: a share as large as the total reports the total", () => {
  const quota = new SessionQuota({ max_total: 2, max_per_client: 5 });
  assert.ok(quota.take(alice).ok && quota.take(alice).ok);
  const third = quota.take(alice);
  assert.ok(!third.ok);
  assert.match(third.error.message, /sessions\.max_total/);
  const none = new SessionQuota({ max_total: 0 });
  const refused = none.take(alice);
  assert.ok(!refused.ok);
  assert.match(refused.error.message, /sessions\.max_total/, "max_total 0 turns sessions off");
});

/** A child source that holds every start until `open` is called; its starts then fail. */
function heldSource(): { source: ChildSource; calls: () => number; open: () => void } {
  let calls = 0;
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const source: ChildSource = async () => {
    calls++;
    await gate;
    return { ok: false, message: "No child (test)." };
  };
  return { source, calls: () => calls, open };
}

/** The first `count` of `leases` to settle (those refused without waiting for the source). */
async function settled(leases: Promise<Lease>[], count: number): Promise<Lease[]> {
  const done: Lease[] = [];
  for (const lease of leases) lease.then((l) => done.push(l));
  await waitFor(() => done.length >= count, `${count} refusals`);
  return done;
}

Deno.test("SessionRegistry: many starts at once never overshoot a share or the total", async () => {
  const held = heldSource();
  const config = SessionsConfigSchema.parse({ max_total: 4, max_per_connection: 4 });
  const registry = new SessionRegistry(config, held.source);
  const keptBytes = 1024;
  // Alice over two connections, three starts on each, all at once.
  const aliceOne = registry.connection({ keptBytes, client: alice });
  const aliceTwo = registry.connection({ keptBytes, client: alice });
  const aliceLeases = [aliceOne, aliceTwo].flatMap((c) => ["x", "y", "z"].map((n) => c.lease(n)));
  const aliceRefused = await settled(aliceLeases, 4);
  assert.equal(held.calls(), 2, "only alice's share of starts reached the source");
  assert.equal(registry.countFor(alice), 2);
  for (const lease of aliceRefused) {
    assert.ok(!lease.ok);
    assert.match(lease.error.message, /This client \(bearer token 1\).*max_per_client/);
  }
  // Bob gets his share while alice's starts are still pending; then the total is reached.
  const bobOne = registry.connection({ keptBytes, client: bob });
  const bobLeases = ["x", "y", "z"].map((n) => bobOne.lease(n));
  const [bobRefused] = await settled(bobLeases, 1);
  assert.ok(!bobRefused.ok);
  assert.equal(held.calls(), 4);
  assert.equal(registry.count, 4, "starting sessions are counted");
  const carolOne = registry.connection({ keptBytes, client: carol });
  const carolFirst = await carolOne.lease("x");
  assert.ok(!carolFirst.ok);
  assert.match(carolFirst.error.message, /The server already keeps 4 sandbox sessions/);
  assert.equal(held.calls(), 4, "a refused start never reaches the source");

  held.open(); // every held start fails: its slot is given back
  const failed = await Promise.all([...aliceLeases, ...bobLeases]);
  assert.equal(failed.filter((l) => !l.ok && l.error.code === "SANDBOX_CRASH").length, 4);
  assert.equal(registry.count, 0);
  assert.equal(registry.countFor(alice), 0);
  await registry.close();
});

Deno.test("SessionRegistry: one connection's starts at once never overshoot max_per_connection", async () => {
  const held = heldSource();
  const config = SessionsConfigSchema.parse({ max_total: 8, max_per_connection: 2 });
  const registry = new SessionRegistry(config, held.source);
  const one = registry.connection({ keptBytes: 1024, client: alice });
  const leases = ["a", "b", "c", "d"].map((n) => one.lease(n));
  const refused = await settled(leases, 2);
  for (const lease of refused) {
    assert.ok(!lease.ok);
    assert.match(lease.error.message, /sessions\.max_per_connection/);
  }
  assert.equal(held.calls(), 2);
  held.open();
  await Promise.all(leases);
  assert.equal(registry.count, 0);
  await registry.close();
});

Deno.test({
  name: "SessionRegistry: an ended session and a closed connection give their slots back",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const config = SessionsConfigSchema.parse({ max_total: 2, max_per_client: 1 });
    const registry = new SessionRegistry(
      config,
      async () => ({ ok: true, child: await spawnChild() }),
    );
    try {
      const one = registry.connection({ keptBytes: 1024, client: alice });
      const first = await one.lease("a");
      assert.ok(first.ok, "a real child starts the session");
      first.release(true);
      assert.equal(registry.countFor(alice), 1);
      const second = await one.lease("b");
      assert.ok(!second.ok, "alice's share is 1");
      assert.match(second.error.message, /max_per_client is 1/);

      const again = await one.lease("a");
      assert.ok(again.ok && again.state === "resumed", "her own session is still hers");
      again.release(false); // the run ended the session
      assert.equal(registry.countFor(alice), 0, "an ended session gives its slot back");

      const other = registry.connection({ keptBytes: 1024, client: alice });
      const third = await other.lease("c");
      assert.ok(third.ok, "her slot can be used from another connection");
      third.release(true);
      await other.close();
      assert.equal(registry.count, 0, "a closed connection gives its slots back");
    } finally {
      await registry.close();
    }
  },
});

Deno.test({
  name:
    "SessionRegistry: a connection closed while its session starts kills the child, frees the slot",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const child = await spawnChild();
    const registry = new SessionRegistry(
      SessionsConfigSchema.parse({ max_total: 2 }),
      async () => {
        await gate;
        return { ok: true, child };
      },
    );
    try {
      const one = registry.connection({ keptBytes: 1024, client: alice });
      const lease = one.lease("a");
      await waitFor(() => registry.countFor(alice) === 1, "the start to be counted");
      const closed = one.close();
      open();
      const got = await lease;
      assert.ok(!got.ok);
      assert.equal(got.error.code, "SHUTTING_DOWN");
      await closed;
      await child.exited;
      assert.equal(child.alive, false, "the late child was killed");
      assert.equal(registry.count, 0, "its slot was given back");
    } finally {
      child.kill();
      await registry.close();
    }
  },
});
