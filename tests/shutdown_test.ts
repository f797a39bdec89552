/**
 * Shutdown answers in-flight executions: a SIGTERM over stdio, or a SIGTERM to the HTTP server,
 * while `execute_code` runs gives the client a result with SHUTTING_DOWN (never the SANDBOX_CRASH
 * that blames the user's code), and the server then exits with no sandbox child left.
 */
import assert from "node:assert/strict";
import type { ExecResult } from "../src/contracts.ts";
import { startFakeLlm } from "../support/fake_llm.ts";
import { connectHttp, startHttpServer } from "../support/http.ts";
import { descendantsMatching, waitForExit } from "../support/processes.ts";
import { taskFlags } from "../scripts/task_flags.ts";
import { root, startServer, writeConfig } from "../support/server.ts";
import { testUpstream } from "../support/test_upstream.ts";
import { waitFor } from "../support/wait.ts";

const SLEEP = "import asyncio\nawait asyncio.sleep(60)";

/** Resolves once `pid` has a sandbox child (with pool_size 0: the one running the call). */
function running(pid: number): Promise<void> {
  return waitFor(
    async () => (await descendantsMatching(pid, "sandbox/worker.ts")).length > 0,
    "a sandbox child running the call",
  );
}

function assertShuttingDown(result: Record<string, unknown>): void {
  const r = result.structuredContent as ExecResult;
  assert.equal(r.error?.code, "SHUTTING_DOWN", JSON.stringify(r));
  assert.match(r.error?.message ?? "", /server is shutting down.*run it again after/);
  assert.doesNotMatch(r.error?.message ?? "", /os\._exit/);
  assert.equal(result.isError, true);
}

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  Deno.test({
    name: `stdio: ${signal} during a run answers it with SHUTTING_DOWN`,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const server = await startServer({ config: { sandbox: { pool_size: 0 } } });
      try {
        const call = server.client.callTool(
          { name: "execute_code", arguments: { code: SLEEP } },
          undefined,
          { timeout: 120_000 },
        );
        await running(server.pid);
        Deno.kill(server.pid, signal);
        assertShuttingDown(await call);
        assert.ok(await waitForExit(server.pid, 15_000), "the server did not exit");
      } finally {
        await server.close();
      }
    },
  });
}

Deno.test({
  name: "stdio: SIGTERM while run_agent waits for the LLM answers it with SHUTTING_DOWN",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const llm = startFakeLlm();
    llm.script({ hang: true });
    const server = await startServer({
      config: { sandbox: { pool_size: 0 }, agent: { timeout_ms: 60_000, max_retries: 0 } },
      env: { OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: llm.baseURL },
    });
    try {
      const call = server.client.callTool(
        { name: "run_agent", arguments: { task: "Say hello" } },
        undefined,
        { timeout: 120_000 },
      );
      await waitFor(() => llm.requests.length > 0, "the agent's first LLM request");
      Deno.kill(server.pid, "SIGTERM");
      const result = await call;
      const out = result.structuredContent as { error?: { code: string; message: string } };
      assert.equal(out.error?.code, "SHUTTING_DOWN", JSON.stringify(out));
      assert.match(out.error?.message ?? "", /shutting down.*run it again after/);
      assert.ok(await waitForExit(server.pid, 15_000), "the server did not exit");
    } finally {
      await server.close();
      await llm.close();
    }
  },
});

Deno.test({
  name: "stdio: stdin ending during a run still answers it with SHUTTING_DOWN",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const config = writeConfig({ sandbox: { pool_size: 0 } });
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", ...taskFlags("start"), "main.ts", "--config", config],
      cwd: root,
      stdin: "piped",
      stdout: "piped",
      stderr: "null",
    }).spawn();
    try {
      const lines = [
        {
          jsonrpc: "2.0",
          id: 1,
          method: "initialize",
          params: {
            protocolVersion: "2025-06-18",
            capabilities: {},
            clientInfo: { name: "raw", version: "1.0.0" },
          },
        },
        { jsonrpc: "2.0", method: "notifications/initialized" },
        {
          jsonrpc: "2.0",
          id: 2,
          method: "tools/call",
          params: {
            name: "execute_code",
            arguments: { code: SLEEP },
          },
        },
      ];
      const writer = child.stdin.getWriter();
      await writer.write(
        new TextEncoder().encode(lines.map((l) => JSON.stringify(l)).join("\n") + "\n"),
      );
      await running(child.pid);
      await writer.close();
      const out = await new Response(child.stdout).text();
      const answer = out.split("\n").filter(Boolean).map((l) => JSON.parse(l)).find((m) =>
        m.id === 2
      );
      assert.ok(answer, `no answer to the call in: ${out}`);
      assertShuttingDown(answer.result);
      assert.equal((await child.status).code, 0);
    } finally {
      try {
        child.kill();
      } catch {
        // ended
      }
      await child.status;
      await Deno.remove(`${root}${config}`).catch(() => {});
    }
  },
});

Deno.test({
  name: "HTTP: SIGTERM during a run answers the in-flight request with SHUTTING_DOWN",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startHttpServer();
    const { client } = await connectHttp(server.url);
    try {
      const call = client.callTool(
        { name: "execute_code", arguments: { code: SLEEP } },
        undefined,
        { timeout: 120_000 },
      );
      await running(server.pid);
      const status = server.stop("SIGTERM");
      assertShuttingDown(await call);
      assert.equal((await status).code, 0);
    } finally {
      await client.close().catch(() => {});
      await server.stop();
    }
  },
});

Deno.test({
  name: "stdio: Ctrl-C (SIGINT to the whole process group) says nothing of lost upstreams",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const configPath = writeConfig({
      servers: { a: testUpstream(), b: testUpstream() },
      sandbox: { pool_size: 0 },
    });
    // setsid: the server leads its own process group, as a shell's foreground job does, so that
    // the SIGINT reaches it and its upstreams at once (what a terminal's Ctrl-C does).
    const child = new Deno.Command("setsid", {
      args: [Deno.execPath(), "run", ...taskFlags("start"), "main.ts", "--config", configPath],
      cwd: root,
      stdin: "piped",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    let stderr = "";
    const reading = (async () => {
      for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) stderr += chunk;
    })();
    try {
      await waitFor(() => /Serving MCP over stdio/.test(stderr), "the server to serve");
      Deno.kill(-child.pid, "SIGINT");
      const status = await child.status;
      await reading;
      assert.equal(status.code, 0, stderr);
      assert.match(stderr, /Shutting down \(SIGINT\)/);
      assert.match(stderr, /Closing 2 upstream servers\./);
      assert.doesNotMatch(stderr, /disconnected|restarted on next use|unavailable/, stderr);
    } finally {
      await child.stdin.close().catch(() => {});
      await Deno.remove(`${root}${configPath}`).catch(() => {});
    }
  },
});
