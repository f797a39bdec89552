/**
 * `ClientScope` on its own: the state of one conversation that its transport makes and closes —
 * the audit label and how it reaches us, its sandbox sessions opened once in a real registry (a
 * real child), and one close that ends them (a second close does nothing more; sessions asked for
 * after the close are ended at once).
 */
import assert from "node:assert/strict";
import { ClientScope } from "../src/server/client_scope.ts";
import { STDIO_CLIENT } from "../src/sandbox_host/session_quota.ts";
import { SessionRegistry } from "../src/sandbox_host/sessions.ts";
import { SessionsConfigSchema } from "../src/sandbox_host/sessions_config.ts";
import { spawnChild } from "../support/children.ts";

const alice = { id: "bearer:1", label: "bearer token 1" };

Deno.test("ClientScope: the audit label and how the conversation reaches us", () => {
  const stdio = new ClientScope({ transport: "stdio" });
  assert.equal(stdio.label, "stdio");
  assert.equal(stdio.approvals.label, "stdio", "the approvals name it in the audit log");
  assert.equal(stdio.stateless, false);
  assert.equal(stdio.client, undefined, "counted as the stdio client by the registry");
  const http = new ClientScope({ transport: "http", client: alice, label: "b7f0-session" });
  assert.equal(http.label, "b7f0-session");
  assert.equal(http.stateless, false);
  assert.deepEqual(http.client, alice);
  const once = new ClientScope({ transport: "stateless", client: alice });
  assert.equal(once.label, "stateless");
  assert.equal(once.stateless, true);
  assert.notEqual(http.approvals, once.approvals, "each conversation its own decisions");
});

Deno.test("ClientScope: sandbox sessions are opened once, for its client", async () => {
  const registry = new SessionRegistry(
    SessionsConfigSchema.parse({}),
    () => Promise.reject(new Error("no child is started here")),
  );
  const stdio = new ClientScope({ transport: "stdio" });
  const sessions = stdio.sandboxSessions(registry, 1024);
  assert.equal(stdio.sandboxSessions(registry, 1024), sessions, "the same ones every time");
  assert.deepEqual(sessions.client, STDIO_CLIENT);
  const http = new ClientScope({ transport: "http", client: alice, label: "s" });
  assert.deepEqual(http.sandboxSessions(registry, 1024).client, alice);
  assert.notEqual(http.sandboxSessions(registry, 1024), sessions);
  await registry.close();
});

Deno.test({
  name: "ClientScope: close ends its live sessions once; sessions asked for later are closed",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const child = await spawnChild();
    const registry = new SessionRegistry(
      SessionsConfigSchema.parse({ max_total: 2 }),
      () => Promise.resolve({ ok: true as const, child }),
    );
    try {
      const scope = new ClientScope({ transport: "http", client: alice, label: "s" });
      const sessions = scope.sandboxSessions(registry, 1024);
      const lease = await sessions.lease("a");
      assert.ok(lease.ok, "a real child starts the session");
      lease.release(true);
      assert.equal(registry.countFor(alice), 1);
      assert.equal(scope.closed, false);
      const closing = scope.close();
      assert.equal(scope.close(), closing, "a second close is the first one");
      await closing;
      assert.equal(scope.closed, true);
      assert.equal(child.alive, false, "the session's child was ended");
      assert.equal(registry.count, 0, "its slot was given back");
      const refused = await sessions.lease("b");
      assert.ok(!refused.ok);
      assert.equal(refused.error.code, "SHUTTING_DOWN");

      const late = new ClientScope({ transport: "stateless" });
      await late.close();
      const after = await late.sandboxSessions(registry, 1024).lease("c");
      assert.ok(!after.ok, "sessions opened after the close are closed");
      assert.equal(after.error.code, "SHUTTING_DOWN");
    } finally {
      child.kill();
      await registry.close();
    }
  },
});
