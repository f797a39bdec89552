/**
 * Bad HTTP input against the real server (token set, small body cap): missing or wrong token,
 * foreign Host or Origin, oversized bodies, malformed JSON-RPC, unknown sessions, wrong paths and
 * methods, and 200 concurrent requests. Each gets the right status and the server keeps serving.
 */
import assert from "node:assert/strict";
import {
  connectHttp,
  type HttpTestServer,
  initializeBody,
  mcpHeaders,
  rawHttp,
  rawSession,
  startHttpServer,
} from "../support/http.ts";

const TOKEN = "test-token-0123456789abcdef";
const AUTH = { Authorization: `Bearer ${TOKEN}` };
const PING = JSON.stringify({ jsonrpc: "2.0", id: 7, method: "ping" });
const opts = { sanitizeOps: false, sanitizeResources: false }; // the server is a child process

async function post(
  server: HttpTestServer,
  body: BodyInit,
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string; headers: Headers }> {
  const response = await fetch(server.url, { method: "POST", headers: mcpHeaders(headers), body });
  return { status: response.status, text: await response.text(), headers: response.headers };
}

Deno.test("HTTP: bad input gets the right status and the server keeps serving", opts, async (t) => {
  const server = await startHttpServer({
    config: { sandbox: { pool_size: 0 }, http: { max_body_bytes: 65_536 } },
    env: { MCP_CODE_MODE_TOKEN: TOKEN },
  });
  try {
    const session = await rawSession(server.url, AUTH);
    const withSession = { ...AUTH, "mcp-session-id": session };

    await t.step("missing or wrong token: 401 with WWW-Authenticate", async () => {
      const none = await post(server, initializeBody());
      assert.equal(none.status, 401);
      assert.match(none.headers.get("www-authenticate") ?? "", /^Bearer/);
      assert.match(none.text, /Authorization: Bearer/);
      for (
        const value of [`Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(1)}`, `Basic ${TOKEN}`, TOKEN]
      ) {
        assert.equal((await post(server, PING, { Authorization: value })).status, 401, value);
      }
      await assert.rejects(connectHttp(server.url));
      const { client } = await connectHttp(server.url, { token: TOKEN });
      assert.ok((await client.listTools()).tools.length >= 2);
      await client.close();
    });

    await t.step("foreign Host or Origin: 403 (DNS rebinding), a local Origin passes", async () => {
      const evilHost = await rawHttp(server.port, {
        headers: { ...mcpHeaders(AUTH), Host: "evil.example.com" },
        body: initializeBody(),
      });
      assert.equal(evilHost.status, 403);
      assert.match(evilHost.body, /Host header "evil\.example\.com" is not allowed/);
      const otherPort = await rawHttp(server.port, {
        headers: { ...mcpHeaders(AUTH), Host: "localhost:1" },
        body: initializeBody(),
      });
      assert.equal(otherPort.status, 403);
      const localHost = await rawHttp(server.port, {
        headers: { ...mcpHeaders(AUTH), Host: `localhost:${server.port}` },
        body: initializeBody(),
      });
      assert.equal(localHost.status, 200);
      const evilOrigin = await post(server, PING, {
        ...withSession,
        Origin: "http://evil.example.com",
      });
      assert.equal(evilOrigin.status, 403);
      assert.match(evilOrigin.text, /Origin "http:\/\/evil\.example\.com" is not allowed/);
      const goodOrigin = await post(server, PING, {
        ...withSession,
        Origin: `http://127.0.0.1:${server.port}`,
      });
      assert.equal(goodOrigin.status, 200);
    });

    await t.step("oversized body: 413, declared or streamed", async () => {
      const big = JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "tools/call",
        params: { name: "execute_code", arguments: { code: "x = 1\n".repeat(20_000) } },
      });
      const declared = await post(server, big, withSession);
      assert.equal(declared.status, 413);
      assert.match(declared.text, /at most 65536 bytes/);
      const chunks = new TextEncoder().encode(big);
      const streamed = await post(
        server,
        new ReadableStream({
          start(controller) {
            for (let at = 0; at < chunks.length; at += 8192) {
              controller.enqueue(chunks.subarray(at, at + 8192));
            }
            controller.close();
          },
        }),
        withSession,
      );
      assert.equal(streamed.status, 413);
    });

    await t.step("malformed JSON-RPC: 400 with a JSON-RPC error from the SDK", async () => {
      for (const body of ["{not json", '{"hello": 1}', "[1, 2]", '{"jsonrpc":"2.0","id":1}']) {
        const onSession = await post(server, body, withSession);
        assert.equal(onSession.status, 400, `${body}: ${onSession.text}`);
        assert.equal(JSON.parse(onSession.text).jsonrpc, "2.0");
        const noSession = await post(server, body, AUTH);
        assert.equal(noSession.status, 400, `${body} without a session`);
      }
      const wrongType = await post(server, PING, { ...withSession, "Content-Type": "text/plain" });
      assert.equal(wrongType.status, 415);
      const wrongAccept = await post(server, PING, { ...withSession, Accept: "text/html" });
      assert.equal(wrongAccept.status, 406);
    });

    await t.step("unknown or missing session, wrong path or method", async () => {
      const unknown = await post(server, PING, { ...AUTH, "mcp-session-id": crypto.randomUUID() });
      assert.equal(unknown.status, 404);
      assert.match(unknown.text, /Session not found/);
      assert.equal((await post(server, PING, AUTH)).status, 400, "a ping needs a session");
      const get = await fetch(server.url, { headers: { ...AUTH, Accept: "text/event-stream" } });
      await get.body?.cancel();
      assert.equal(get.status, 400);
      const path = await fetch(server.url.replace("/mcp", "/other"), { headers: AUTH });
      await path.body?.cancel();
      assert.equal(path.status, 404);
      const put = await fetch(server.url, { method: "PUT", headers: AUTH, body: PING });
      await put.body?.cancel();
      assert.equal(put.status, 405);
    });

    await t.step(
      "200 concurrent requests: each answered correctly, server still serves",
      async () => {
        const kinds = [
          { headers: withSession, body: PING, status: 200 },
          { headers: {}, body: PING, status: 401 },
          { headers: { ...AUTH, "mcp-session-id": "nope" }, body: PING, status: 404 },
          { headers: withSession, body: "{broken", status: 400 },
        ];
        const results = await Promise.all(
          Array.from({ length: 200 }, async (_, i) => {
            const kind = kinds[i % kinds.length];
            // Each its own JSON-RPC id: ids must be unique among a session's pending requests.
            const body = kind.body === PING ? kind.body.replace('"id":7', `"id":${i}`) : kind.body;
            const { status } = await post(server, body, kind.headers);
            return { expected: kind.status, status };
          }),
        );
        const wrong = results.filter((r) => r.status !== r.expected);
        assert.deepEqual(wrong, [], `${wrong.length} of 200 got an unexpected status`);
        const { client } = await connectHttp(server.url, { token: TOKEN });
        await client.ping();
        await client.close();
        assert.doesNotMatch(server.stderr(), /failed inside the server/);
      },
    );
  } finally {
    await server.stop();
  }
});
