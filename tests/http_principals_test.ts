/**
 * Who a client is over HTTP, for the per-client limits behind the endpoint: the bearer token it
 * sent (one of several in MCP_CODE_MODE_TOKEN; every MCP session with one token is one principal),
 * or without tokens each MCP session on its own; an MCP session answers only the token that opened
 * it. Also: a token setting of only white space is refused instead of silently meaning no auth.
 */
import assert from "node:assert/strict";
import { matchingToken, parseTokens } from "../src/http/guards.ts";
import { HttpConfigSchema } from "../src/http/http_config.ts";
import { type Principal, serveHttp } from "../src/http/http_server.ts";
import { McpServer } from "../src/mcp_sdk.ts";
import { initializeBody, mcpHeaders } from "../support/http.ts";

Deno.test("parseTokens and matchingToken: several tokens, each matched whole", () => {
  assert.deepEqual(parseTokens(undefined), []);
  assert.deepEqual(parseTokens("  "), []);
  assert.deepEqual(parseTokens("one"), ["one"]);
  assert.deepEqual(parseTokens(" one\ttwo\nthree "), ["one", "two", "three"]);
  const tokens = ["alpha-secret", "beta-secret"];
  assert.equal(matchingToken("Bearer alpha-secret", tokens), 0);
  assert.equal(matchingToken("Bearer beta-secret", tokens), 1);
  assert.equal(matchingToken("Bearer alpha-secret beta-secret", tokens), -1);
  assert.equal(matchingToken("Bearer alpha", tokens), -1);
  assert.equal(matchingToken("Bearer ", tokens), -1);
  assert.equal(matchingToken(null, tokens), -1);
  assert.equal(matchingToken("Bearer alpha-secret", []), -1);
});

/** Opens an MCP session with `token` (or none); returns the HTTP status. */
async function initialize(url: string, token?: string): Promise<number> {
  const response = await fetch(url, {
    method: "POST",
    headers: mcpHeaders(token ? { Authorization: `Bearer ${token}` } : {}),
    body: initializeBody(),
  });
  await response.body?.cancel();
  return response.status;
}

/** Serves in-process, recording the principal each new server is built for. */
async function serveRecording(token?: string) {
  const principals: Principal[] = [];
  const served = await serveHttp({
    config: HttpConfigSchema.parse({ port: 0 }),
    createServer: (principal) => {
      principals.push(principal);
      return new McpServer({ name: "principals", version: "1.0.0" });
    },
    token,
  });
  assert.ok(served.ok);
  return { server: served.server, principals };
}

Deno.test("HTTP: every MCP session with one token is one principal; each token its own", async () => {
  const { server, principals } = await serveRecording("alpha-secret beta-secret");
  try {
    assert.equal(await initialize(server.url, "alpha-secret"), 200);
    assert.equal(await initialize(server.url, "alpha-secret"), 200);
    assert.equal(await initialize(server.url, "beta-secret"), 200);
    assert.equal(await initialize(server.url, "alpha-secret beta-secret"), 401);
    assert.equal(await initialize(server.url), 401);
    assert.deepEqual(principals, [
      { id: "bearer:1", label: "bearer token 1" },
      { id: "bearer:1", label: "bearer token 1" },
      { id: "bearer:2", label: "bearer token 2" },
    ]);
  } finally {
    await server.close();
  }
});

Deno.test("HTTP: an MCP session answers only the token that opened it", async () => {
  const { server } = await serveRecording("alpha-secret beta-secret");
  try {
    const opened = await fetch(server.url, {
      method: "POST",
      headers: mcpHeaders({ Authorization: "Bearer alpha-secret" }),
      body: initializeBody(),
    });
    await opened.body?.cancel();
    const id = opened.headers.get("mcp-session-id")!;
    assert.ok(id);
    const ping = (token: string) =>
      fetch(server.url, {
        method: "POST",
        headers: mcpHeaders({ Authorization: `Bearer ${token}`, "Mcp-Session-Id": id }),
        body: JSON.stringify({ jsonrpc: "2.0", id: 2, method: "ping" }),
      });
    const hijack = await ping("beta-secret");
    assert.equal(hijack.status, 404, "another token's holder does not reach the session");
    assert.match(await hijack.text(), /Session not found/);
    const closeAttempt = await fetch(server.url, {
      method: "DELETE",
      headers: { Authorization: "Bearer beta-secret", "Mcp-Session-Id": id },
    });
    await closeAttempt.body?.cancel();
    assert.equal(closeAttempt.status, 404, "nor can it close the session");
    const own = await ping("alpha-secret");
    await own.body?.cancel();
    assert.equal(own.status, 200, "the token that opened it still does");
  } finally {
    await server.close();
  }
});

Deno.test("HTTP: without a token each MCP session is its own principal", async () => {
  const { server, principals } = await serveRecording();
  try {
    assert.equal(await initialize(server.url), 200);
    assert.equal(await initialize(server.url), 200);
    assert.equal(principals.length, 2);
    assert.notEqual(principals[0].id, principals[1].id);
    for (const p of principals) {
      assert.match(p.id, /^http:[0-9a-f-]{36}$/);
      assert.equal(p.label, "an MCP session without a token");
    }
  } finally {
    await server.close();
  }
});

Deno.test("HTTP: a token setting of only white space is refused, not taken as no auth", async () => {
  const served = await serveHttp({
    config: HttpConfigSchema.parse({ port: 0 }),
    createServer: () => new McpServer({ name: "never", version: "1.0.0" }),
    token: " \t ",
  });
  assert.ok(!served.ok);
  assert.match(served.message, /MCP_CODE_MODE_TOKEN is set but holds no token/);
});
