/**
 * Approvals with other clients over stdio, real upstreams and the real sandbox: a client without
 * elicitation is refused, naming the setting that allows it (and a broken audit log warns once
 * while calls go on); run_agent's programs ask the client that made the run_agent request (the
 * LLM is the fake endpoint, the only fake in the suite).
 */
import assert from "node:assert/strict";
import type { ExecResult } from "../src/contracts.ts";
import { ElicitRequestSchema } from "../src/mcp_sdk.ts";
import { approvingUpstreams as upstreams, exists } from "../support/approvals.ts";
import { startFakeLlm } from "../support/fake_llm.ts";
import { execute, startServer } from "../support/server.ts";

Deno.test({
  name:
    "approvals: a client without elicitation is refused, naming the setting; a broken audit log",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "approval-" });
    // A file where the log's folder should be: the folder cannot be made.
    await Deno.writeTextFile(`${dir}/logs`, "");
    const server = await startServer({
      config: {
        servers: upstreams(dir),
        sandbox: { pool_size: 1 },
        approval: { audit_log: `${dir}/logs/audit.jsonl` },
      },
    });
    try {
      const r = await execute(
        server,
        `tools.filesystem.write_file(path="${dir}/x.txt", content="x")`,
      );
      assert.equal(r.ok, false);
      assert.match(r.error!.message, /cannot be asked/);
      assert.match(r.error!.message, /does not support elicitation/);
      assert.match(r.error!.message, /approval\.without_elicitation/);
      assert.match(r.error!.message, /"allow"/);
      assert.equal(await exists(`${dir}/x.txt`), false);
      const read = await execute(server, `tools.filesystem.list_allowed_directories()`);
      assert.equal(read.ok, true, "calls that need no approval still work");
      // The audit log cannot be written: one warning, and the calls go on.
      const again = await execute(server, `tools.filesystem.list_allowed_directories()`);
      assert.equal(again.ok, true);
      const warnings = server.stderr().match(/audit log .* cannot be written/g) ?? [];
      assert.equal(warnings.length, 1, server.stderr());
      assert.match(server.stderr(), /approval\.audit_log/);
    } finally {
      await server.close();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});

Deno.test({
  name: "approvals: run_agent's programs ask the client that made the request",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "approval-agent-" });
    const llm = startFakeLlm();
    const server = await startServer({
      config: {
        servers: upstreams(dir),
        sandbox: { pool_size: 1 },
        agent: { max_iterations: 1, timeout_ms: 20_000, max_retries: 0 },
      },
      env: { OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: llm.baseURL },
      capabilities: { elicitation: {} },
    });
    const asked: string[] = [];
    let approve = true;
    server.client.setRequestHandler(ElicitRequestSchema, (request) => {
      asked.push(request.params.message);
      return approve ? { action: "accept", content: { approve: true } } : { action: "decline" };
    });
    const agent = async (name: string) => {
      llm.script({
        content: "```python\n" +
          `tools.filesystem.write_file(path="${dir}/${name}", content="from the agent")\n"done"\n` +
          "```",
      });
      const response = await server.client.callTool(
        { name: "run_agent", arguments: { task: `Write ${name}` } },
        undefined,
        { timeout: 60_000 },
      );
      return response.structuredContent as { ok: boolean; iterations: { result?: ExecResult }[] };
    };
    try {
      const approved = await agent("agent.txt");
      assert.equal(approved.ok, true, JSON.stringify(approved));
      assert.equal(asked.length, 1);
      assert.match(asked[0], /agent\.txt/);
      assert.equal(await Deno.readTextFile(`${dir}/agent.txt`), "from the agent");
      approve = false;
      const declined = await agent("refused.txt");
      assert.equal(declined.ok, false);
      assert.match(declined.iterations[0].result!.error!.message, /declined/);
      assert.equal(asked.length, 2);
      assert.equal(await exists(`${dir}/refused.txt`), false);
    } finally {
      await server.close();
      await llm.close();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});
