/**
 * The Streamable HTTP transport end to end: the real server process, SDK clients over HTTP,
 * sessions (isolation, DELETE, idle timeout), stateless mode, MCP logging over both transports,
 * the bind refusal without a token, and graceful shutdown without orphans.
 */
import assert from "node:assert/strict";
import { bindRefusal, hostRefusal, originPolicy, tokenMatches } from "../src/http/guards.ts";
import { HttpConfigSchema } from "../src/http/http_config.ts";
import { serveHttp } from "../src/http/http_server.ts";
import { EmptyResultSchema, LoggingMessageNotificationSchema, McpServer } from "../src/mcp_sdk.ts";
import { taskFlags } from "../scripts/task_flags.ts";
import { childPids, waitForExit } from "../support/processes.ts";
import { root, startServer, writeConfig } from "../support/server.ts";
import {
  connectHttp,
  initializeBody,
  mcpHeaders,
  rawSession,
  startHttpServer,
} from "../support/http.ts";
import { waitFor } from "../support/wait.ts";

const opts = { sanitizeOps: false, sanitizeResources: false }; // the server is a child process

Deno.test("guards: token, Host and bind rules", () => {
  assert.equal(tokenMatches("Bearer s3cret-token", "s3cret-token"), true);
  assert.equal(tokenMatches("bearer s3cret-token", "s3cret-token"), true);
  assert.equal(tokenMatches("Bearer s3cret-tokeN", "s3cret-token"), false);
  assert.equal(tokenMatches("Bearer ", "s3cret-token"), false);
  assert.equal(tokenMatches("Basic s3cret-token", "s3cret-token"), false);
  assert.equal(tokenMatches(null, "s3cret-token"), false);
  const policy = originPolicy("127.0.0.1", 8080);
  for (const ok of ["127.0.0.1:8080", "localhost:8080", "[::1]:8080", "LOCALHOST", "localhost"]) {
    assert.equal(hostRefusal(ok, policy), undefined, ok);
  }
  for (const bad of ["evil.example.com", "evil.example.com:8080", "localhost:9999", "", null]) {
    assert.match(hostRefusal(bad, policy) ?? "", /DNS rebinding/, String(bad));
  }
  assert.equal(bindRefusal("127.0.0.1", undefined), undefined);
  assert.equal(bindRefusal("0.0.0.0", "token"), undefined);
  assert.match(bindRefusal("0.0.0.0", undefined) ?? "", /MCP_CODE_MODE_TOKEN/);
});

Deno.test("HTTP: sessions, tools, execute_code, logging, DELETE and shutdown", opts, async (t) => {
  const server = await startHttpServer({ config: { sandbox: { pool_size: 1 } } });
  try {
    const a = await connectHttp(server.url);
    const b = await connectHttp(server.url);
    await t.step("two sessions with their own ids", async () => {
      assert.ok(a.transport.sessionId && b.transport.sessionId);
      assert.notEqual(a.transport.sessionId, b.transport.sessionId);
      const names = (await a.client.listTools()).tools.map((tool) => tool.name).sort();
      assert.deepEqual(names.filter((n) => n !== "run_agent" && n !== "save_skill"), [
        "execute_code",
        "search_tools",
      ]);
      await b.client.ping();
    });
    await t.step("execute_code over HTTP, with log notifications at the chosen level", async () => {
      const messages: string[] = [];
      a.client.setNotificationHandler(
        LoggingMessageNotificationSchema,
        (note: { params: { level: string; data: unknown } }) => {
          messages.push(`${note.params.level}: ${note.params.data}`);
        },
      );
      await a.client.setLoggingLevel("debug");
      const result = await a.client.callTool(
        {
          name: "execute_code",
          arguments: { code: "print(6 * 7)" },
        },
        undefined,
        { timeout: 60_000 },
      );
      assert.equal(result.isError, false);
      assert.equal((result.structuredContent as { stdout: string }).stdout, "42\n");
      await waitFor(() => messages.some((m) => m.includes("execute_code succeeded")), "the line");
      assert.ok(
        messages.some((m) => /^debug: execute_code succeeded/.test(m)),
        messages.join("\n"),
      );
      await assert.rejects(
        a.client.request(
          { method: "logging/setLevel", params: { level: "loud" } },
          EmptyResultSchema,
        ),
        /Invalid/i,
      );
    });
    await t.step("DELETE ends one session; the other keeps working", async () => {
      const id = a.transport.sessionId!;
      await a.transport.terminateSession();
      await a.client.close();
      const after = await fetch(server.url, {
        method: "POST",
        headers: mcpHeaders({ "mcp-session-id": id }),
        body: JSON.stringify({ jsonrpc: "2.0", id: 5, method: "ping" }),
      });
      await after.body?.cancel();
      assert.equal(after.status, 404);
      await b.client.ping();
    });
    await t.step("SIGTERM during a run answers it, exits 0, leaves no children", async () => {
      const lines: string[] = [];
      b.client.setNotificationHandler(
        LoggingMessageNotificationSchema,
        (note: { params: { data: unknown } }) => void lines.push(String(note.params.data)),
      );
      const running = b.client.callTool(
        { name: "execute_code", arguments: { code: "while True: pass", timeout_ms: 60_000 } },
        undefined,
        { timeout: 60_000 },
      ).then(
        (r) => (r.structuredContent as { error?: { code: string } }).error?.code ?? "no error",
        () => "failed",
      );
      // b never chose a level, so the SDK sends it every level, this debug line too.
      await waitFor(() => lines.some((line) => line.startsWith("execute_code started")), "start");
      const children = await childPids(server.pid);
      assert.ok(children.length >= 1, "a sandbox child is running");
      const status = await server.stop("SIGTERM");
      // Answered before the sessions closed, not after the run's 60 s: shutdown did not wait.
      assert.equal(await running, "SHUTTING_DOWN");
      await b.client.close();
      assert.equal(status.code, 0, server.stderr());
      assert.match(server.stderr(), /Shutting down \(SIGTERM\)/);
      for (const pid of children) {
        assert.ok(await waitForExit(pid, 5000), `child ${pid} was left running`);
      }
    });
  } finally {
    await server.stop("SIGKILL");
  }
});

Deno.test(
  "HTTP: idle sessions are closed, stateless mode answers without sessions",
  opts,
  async () => {
    const idle = await startHttpServer({
      config: { sandbox: { pool_size: 0 }, http: { idle_timeout_ms: 1000 } },
    });
    const stateless = await startHttpServer({ args: ["--stateless"] });
    try {
      const id = await rawSession(idle.url);
      await waitFor(() => idle.stderr().includes(`Closing HTTP session ${id}: idle`), "the sweep");
      const late = await fetch(idle.url, {
        method: "POST",
        headers: mcpHeaders({ "mcp-session-id": id }),
        body: JSON.stringify({ jsonrpc: "2.0", id: 2, method: "ping" }),
      });
      await late.body?.cancel();
      assert.equal(late.status, 404, "an idle session is gone");

      const { client, transport } = await connectHttp(stateless.url);
      assert.equal(transport.sessionId, undefined);
      assert.ok((await client.listTools()).tools.some((tool) => tool.name === "execute_code"));
      await client.close();
      const get = await fetch(stateless.url, { headers: { Accept: "text/event-stream" } });
      await get.body?.cancel();
      assert.equal(get.status, 405);
      const init = await fetch(stateless.url, {
        method: "POST",
        headers: mcpHeaders(),
        body: initializeBody(),
      });
      assert.equal(init.status, 200);
      assert.equal(init.headers.get("mcp-session-id"), null);
      await init.body?.cancel();
    } finally {
      await Promise.all([idle.stop(), stateless.stop()]);
    }
  },
);

Deno.test("HTTP: a non-loopback address without a token is refused before anything starts", async () => {
  const config = writeConfig({ sandbox: { pool_size: 0 } });
  const env = Deno.env.toObject();
  delete env.MCP_CODE_MODE_TOKEN;
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      ...taskFlags("start:http"),
      "main.ts",
      "--transport",
      "http",
      "--host",
      "0.0.0.0",
      "--config",
      config,
    ],
    cwd: root,
    env,
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  await Deno.remove(`${root}${config}`).catch(() => {});
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 1, stderr);
  assert.match(
    stderr,
    /Refusing to serve HTTP on 0\.0\.0\.0 without a token.*MCP_CODE_MODE_TOKEN/s,
  );
  assert.equal(out.stdout.length, 0);
});

Deno.test("stdio: logging/setLevel and log notifications", opts, async () => {
  const server = await startServer({ config: { sandbox: { pool_size: 0 } } });
  try {
    const messages: string[] = [];
    server.client.setNotificationHandler(
      LoggingMessageNotificationSchema,
      (note: { params: { level: string; data: unknown } }) => {
        messages.push(`${note.params.level}: ${note.params.data}`);
      },
    );
    await server.client.setLoggingLevel("error");
    await server.client.callTool({ name: "execute_code", arguments: { code: "1" } }, undefined, {
      timeout: 60_000,
    });
    assert.equal(messages.length, 0, `below the chosen level: ${messages}`);
    await server.client.setLoggingLevel("debug");
    await server.client.callTool({ name: "execute_code", arguments: { code: "1" } }, undefined, {
      timeout: 60_000,
    });
    await waitFor(() => messages.some((m) => /^debug: execute_code succeeded/.test(m)), "the line");
    assert.deepEqual(messages.filter((m) => !m.startsWith("debug: execute_code ")), []);
  } finally {
    await server.close();
  }
});

Deno.test("HTTP in-process: closed sessions and stateless requests leave nothing open", async () => {
  const factory = () =>
    new McpServer({ name: "leak-test", version: "1.0.0" }, { capabilities: { logging: {} } });
  for (const stateless of [false, true]) {
    const served = await serveHttp({
      config: HttpConfigSchema.parse({ port: 0, stateless }),
      createServer: factory,
    });
    assert.ok(served.ok);
    const { url } = served.server;
    for (let i = 0; i < 5; i++) {
      const response = await fetch(url, {
        method: "POST",
        headers: mcpHeaders(),
        body: initializeBody(),
      });
      await response.body?.cancel();
      assert.equal(response.status, 200);
      const id = response.headers.get("mcp-session-id");
      assert.equal(id === null, stateless);
      if (id) {
        assert.equal(served.server.sessions(), 1);
        const deleted = await fetch(url, { method: "DELETE", headers: { "mcp-session-id": id } });
        await deleted.body?.cancel();
        assert.equal(deleted.status, 200);
      }
      assert.equal(served.server.sessions(), 0, `stateless=${stateless}: a session left open`);
    }
    const bad = await fetch(url, { method: "POST", headers: mcpHeaders(), body: "{oops" });
    await bad.body?.cancel();
    assert.equal(bad.status, 400);
    assert.equal(served.server.sessions(), 0);
    await served.server.close();
  }
});
