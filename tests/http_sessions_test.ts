/**
 * `SessionTable` on its own, with an injected clock and no timer: counting (per client, with
 * sessions still initialising), lookup marking a session as used, the idle sweep sparing
 * sessions that run something, and closeAll.
 */
import assert from "node:assert/strict";
import { SessionTable } from "../src/http/sessions.ts";
import { McpServer, WebStandardStreamableHTTPServerTransport } from "../src/mcp_sdk.ts";

function session(id: string, client: string, inFlight = 0) {
  return {
    id,
    client,
    principal: `http:${id}`,
    inFlight,
    server: new McpServer({ name: "unit", version: "1.0.0" }),
    transport: new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined }),
  };
}

Deno.test("SessionTable: counts per client, including sessions being initialised", () => {
  const table = new SessionTable(1000, { now: () => 0, autoSweep: false });
  const release = table.reserve("10.0.0.1");
  assert.equal(table.size, 1);
  assert.equal(table.countFor("10.0.0.1"), 1);
  table.add(session("a", "10.0.0.1"));
  table.add(session("b", "10.0.0.2"));
  assert.equal(table.size, 3);
  assert.equal(table.countFor("10.0.0.1"), 2);
  assert.equal(table.countFor("10.0.0.2"), 1);
  assert.equal(table.countFor("10.0.0.3"), 0);
  release();
  release(); // a second call changes nothing
  assert.equal(table.size, 2);
  assert.equal(table.countFor("10.0.0.1"), 1);
  table.remove("a");
  table.remove("a");
  assert.equal(table.countFor("10.0.0.1"), 0);
  assert.equal(table.get("a"), undefined);
  assert.equal(table.get("b")?.client, "10.0.0.2");
});

Deno.test("SessionTable: the sweep closes idle sessions only, by the injected clock", async () => {
  let now = 1_000;
  const table = new SessionTable(500, { now: () => now, autoSweep: false });
  const idle = session("idle", "c");
  const busy = session("busy", "c", 1);
  const used = session("used", "c");
  const closed: string[] = [];
  const idleClosed = new Promise<void>((resolve) => {
    for (const s of [idle, busy, used]) {
      table.add(s);
      s.server.server.onclose = () => {
        closed.push(s.id);
        if (s.id === "idle") resolve();
      };
    }
  });
  await Promise.all([idle, busy, used].map((s) => s.server.connect(s.transport)));
  now = 1_400;
  assert.ok(table.get("used"), "get marks it as used at 1400");
  assert.deepEqual(table.sweep(1_500), [], "500 ms idle is not past the limit");
  assert.deepEqual(table.sweep(1_501), ["idle"]);
  await idleClosed;
  assert.deepEqual(closed, ["idle"], "the swept session's server was closed, no other");
  assert.equal(table.get("idle"), undefined);
  assert.deepEqual(table.sweep(1_901), ["used"]);
  assert.deepEqual(table.sweep(1_000_000), [], "a session running something stays");
  assert.equal(table.size, 1);
  await table.closeAll();
  assert.equal(table.size, 0);
  assert.deepEqual(closed.sort(), ["busy", "idle", "used"]);
});

Deno.test("SessionTable: closeAll stops the timer and closes every server", async () => {
  const table = new SessionTable(60_000);
  const one = session("one", "c");
  table.add(one);
  await table.closeAll();
  assert.equal(table.size, 0);
  assert.equal(table.get("one"), undefined);
});
