/**
 * Fair shares of sandbox sessions through the real server: one client (a bearer token over
 * several MCP sessions, one MCP session without a token, the stdio client) gets at most
 * `sessions.max_per_client`, so another client still gets one; many session starts at once never
 * overshoot `max_per_connection`, `max_per_client` or `max_total`; the refusal names the limit the
 * caller hit.
 */
import assert from "node:assert/strict";
import type { Client } from "../src/mcp_sdk.ts";
import { connectHttp, startHttpServer } from "../support/http.ts";
import { withServer } from "../support/server.ts";
import { run, type SessionResult, waitForChildren } from "../support/sessions.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

/** Room for every call at once: admission is not what these tests are about. */
const SANDBOX = { pool_size: 0, max_concurrent: 16, queue_timeout_ms: 120_000 };

/** Starts sessions `prefix-0` … `prefix-(n-1)` on `client`, all at once. */
function startMany(client: Client, prefix: string, n: number): Promise<SessionResult[]> {
  return Promise.all(
    Array.from({ length: n }, (_, i) => run(client, "1", { session: `${prefix}-${i}` })),
  );
}

/** The successes and the refusals among `results` (anything else fails the test). */
function tally(results: SessionResult[]): { ok: number; refused: SessionResult[] } {
  const refused = results.filter((r) => !r.ok);
  for (const r of refused) assert.equal(r.error?.code, "SESSION_LIMIT", r.text);
  return { ok: results.length - refused.length, refused };
}

Deno.test({
  name: "one bearer token over 4 MCP sessions x 4 sandbox sessions gets its share; another token " +
    "still gets a session",
  ...opts,
  async fn() {
    const alpha = "alpha-0123456789abcdef0123456789abcdef";
    const beta = "beta-0123456789abcdef0123456789abcdef";
    const server = await startHttpServer({
      config: { sandbox: SANDBOX, sessions: { max_total: 4, max_per_connection: 4 } },
      env: { MCP_CODE_MODE_TOKEN: `${alpha} ${beta}` },
    });
    const clients: Client[] = [];
    try {
      const http = await Promise.all(
        [0, 1, 2, 3].map(() => connectHttp(server.url, { token: alpha })),
      );
      clients.push(...http.map((h) => h.client));
      const results = (await Promise.all(http.map((h, i) => startMany(h.client, `a${i}`, 4))))
        .flat();
      const { ok, refused } = tally(results);
      assert.equal(ok, 2, "one token keeps at most max_per_client (half of max_total) sessions");
      assert.equal(refused.length, 14);
      for (const r of refused) {
        assert.match(r.error!.message, /sessions\.max_per_client/, r.text);
        assert.match(r.error!.message, /This client \(bearer token 1\) already keeps 2/, r.text);
      }
      const other = await connectHttp(server.url, { token: beta });
      clients.push(other.client);
      const got = await run(other.client, "1", { session: "b" });
      assert.equal(got.ok, true, `another client still gets a session: ${got.text}`);
      assert.equal((await waitForChildren(server.pid, 3)).length, 3);
    } finally {
      await Promise.all(clients.map((c) => c.close().catch(() => {})));
      await server.stop();
    }
  },
});

Deno.test({
  name: "without a token each MCP session is a client: one cannot take every slot from another",
  ...opts,
  async fn() {
    const server = await startHttpServer({
      config: { sandbox: SANDBOX, sessions: { max_total: 4, max_per_connection: 4 } },
    });
    const clients: Client[] = [];
    try {
      const a = await connectHttp(server.url);
      clients.push(a.client);
      const { ok, refused } = tally(await startMany(a.client, "a", 4));
      assert.equal(ok, 2, "one MCP session keeps at most max_per_client sessions");
      for (const r of refused) {
        assert.match(r.error!.message, /sessions\.max_per_client/, r.text);
        assert.match(r.error!.message, /^This client \(an MCP session without a token\)/);
        assert.doesNotMatch(r.error!.message, /The server already keeps/, r.text);
      }
      const b = await connectHttp(server.url);
      clients.push(b.client);
      const got = await run(b.client, "1", { session: "b" });
      assert.equal(got.ok, true, `a second client still gets a session: ${got.text}`);
    } finally {
      await Promise.all(clients.map((c) => c.close().catch(() => {})));
      await server.stop();
    }
  },
});

Deno.test({
  name: "many session starts at once never overshoot max_per_connection or max_total",
  ...opts,
  async fn() {
    const server = await startHttpServer({
      config: {
        sandbox: SANDBOX,
        sessions: { max_total: 3, max_per_client: 3, max_per_connection: 2 },
      },
    });
    const clients: Client[] = [];
    try {
      const a = await connectHttp(server.url);
      const b = await connectHttp(server.url);
      clients.push(a.client, b.client);
      const first = tally(await startMany(a.client, "a", 4));
      assert.equal(first.ok, 2, "max_per_connection holds while sessions start");
      for (const r of first.refused) assert.match(r.error!.message, /max_per_connection/, r.text);
      const second = tally(await startMany(b.client, "b", 4));
      assert.equal(second.ok, 1, "max_total holds while sessions start");
      for (const r of second.refused) {
        assert.match(r.error!.message, /The server already keeps 3 sandbox sessions/, r.text);
        assert.match(r.error!.message, /sessions\.max_total/, r.text);
      }
      assert.equal((await waitForChildren(server.pid, 3)).length, 3, "exactly 3 session children");
    } finally {
      await Promise.all(clients.map((c) => c.close().catch(() => {})));
      await server.stop();
    }
  },
});

Deno.test({
  name: "over stdio the one client has its share too, and is told so",
  ...opts,
  fn: () =>
    withServer(
      { config: { sandbox: SANDBOX, sessions: { max_total: 4, max_per_connection: 4 } } },
      async ({ client }) => {
        const { ok, refused } = tally(await startMany(client, "s", 3));
        assert.equal(ok, 2);
        assert.equal(refused.length, 1);
        assert.match(refused[0].error!.message, /^This client \(stdio\) already keeps 2/);
        assert.match(refused[0].error!.message, /sessions\.max_per_client/);
      },
    ),
});
