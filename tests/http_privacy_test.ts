/**
 * HTTP sessions are private to their client, against the real server process and SDK clients:
 * log notifications reach only the session they concern (no other session's id or runs), and one
 * client address cannot take every session slot (`http.max_sessions_per_client`).
 */
import assert from "node:assert/strict";
import { LoggingMessageNotificationSchema } from "../src/mcp_sdk.ts";
import {
  connectHttp,
  initializeBody,
  mcpHeaders,
  rawSession,
  startHttpServer,
} from "../support/http.ts";
import { waitFor } from "../support/wait.ts";

const opts = { sanitizeOps: false, sanitizeResources: false }; // the server is a child process

Deno.test("HTTP: a session at debug level sees only its own log lines", opts, async () => {
  const server = await startHttpServer({
    config: { sandbox: { pool_size: 1 } },
    env: { MCP_CODE_MODE_LOG: "debug" },
  });
  try {
    const watcher = await connectHttp(server.url);
    const seen: string[] = [];
    watcher.client.setNotificationHandler(
      LoggingMessageNotificationSchema,
      (note: { params: { level: string; data: unknown } }) => {
        seen.push(`${note.params.level}: ${JSON.stringify(note.params.data)}`);
      },
    );
    await watcher.client.setLoggingLevel("debug");

    const other = await connectHttp(server.url);
    const otherId = other.transport.sessionId!;
    const run = await other.client.callTool(
      { name: "execute_code", arguments: { code: "print('other-session-marker')" } },
      undefined,
      { timeout: 60_000 },
    );
    assert.equal(run.isError, false);
    // The other session's run finished first, so its line (if leaked) came before this one's.
    const own = await watcher.client.callTool(
      { name: "execute_code", arguments: { code: "print(1)" } },
      undefined,
      { timeout: 60_000 },
    );
    assert.equal(own.isError, false);
    await waitFor(() => seen.some((line) => /execute_code succeeded/.test(line)), "own line");
    const runs = seen.filter((line) => line.includes("execute_code"));
    assert.equal(runs.filter((line) => /execute_code started/.test(line)).length, 1, `${runs}`);
    assert.equal(runs.filter((line) => /execute_code succeeded/.test(line)).length, 1, `${runs}`);
    assert.ok(!seen.some((line) => line.includes(otherId)), `leaked ${otherId}:\n${seen}`);
    assert.ok(!seen.some((line) => /HTTP session/.test(line)), seen.join("\n"));
    assert.match(server.stderr(), new RegExp(`HTTP session ${otherId} opened`), "stderr keeps it");
    await Promise.all([watcher.client.close(), other.client.close()]);
  } finally {
    await server.stop();
  }
});

Deno.test("HTTP: one client address cannot take every session slot", opts, async () => {
  const server = await startHttpServer({
    config: { sandbox: { pool_size: 0 }, http: { max_sessions: 10, max_sessions_per_client: 2 } },
  });
  try {
    const first = await rawSession(server.url);
    await rawSession(server.url);
    const third = await fetch(server.url, {
      method: "POST",
      headers: mcpHeaders(),
      body: initializeBody(),
    });
    const text = await third.text();
    assert.equal(third.status, 429);
    assert.ok(Number(third.headers.get("retry-after")) > 0);
    assert.match(text, /2 sessions are already open from this client/);
    assert.match(text, /DELETE/);
    assert.match(text, /http\.max_sessions_per_client/);
    assert.match(server.stderr(), /max_sessions_per_client/);

    const deleted = await fetch(server.url, {
      method: "DELETE",
      headers: { "mcp-session-id": first },
    });
    await deleted.body?.cancel();
    assert.equal(deleted.status, 200);
    const again = await connectHttp(server.url);
    await again.client.ping();
    await again.client.close();
  } finally {
    await server.stop();
  }
});
