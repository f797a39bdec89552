/**
 * The code agent through the real server (`run_agent`), the real `npm:openai` client and a real
 * filesystem upstream, against a scripted OpenAI-compatible endpoint on 127.0.0.1.
 */
import assert from "node:assert/strict";
import { startFakeLlm } from "../support/fake_llm.ts";
import { execute, startServer, type TestServer } from "../support/server.ts";
import { denoServer, PACKAGES } from "../support/upstreams.ts";

const SECRET = `sk-test-${crypto.randomUUID()}`;
const dir = Deno.makeTempDirSync({ prefix: "mcp-agent-" });
Deno.writeTextFileSync(`${dir}/notes.txt`, "alpha\nbeta\ngamma\n");

const fence = (code: string) => "Here you go:\n```python\n" + code + "\n```\n";
const GOOD =
  `text = tools.filesystem.read_text_file(path=${JSON.stringify(`${dir}/notes.txt`)})\n` +
  "{'words': len(text['content'].split())}";

interface AgentOutput {
  ok: boolean;
  answer?: unknown;
  code?: string;
  iterations: Array<
    { iteration: number; code: string | null; result?: { ok: boolean; error?: { code: string } } }
  >;
  usage: { total_tokens: number; requests: number };
  error?: { code: string; message: string };
  tools_offered: string[];
}

async function runAgent(
  server: TestServer,
  task: string,
  extra: Record<string, unknown> = {},
  onprogress?: () => void,
) {
  const response = await server.client.callTool(
    { name: "run_agent", arguments: { task, ...extra } },
    undefined,
    { timeout: 60_000, ...(onprogress ? { onprogress } : {}) },
  );
  return {
    isError: response.isError === true,
    text: (response.content as Array<{ text: string }>)[0]?.text ?? "",
    out: response.structuredContent as unknown as AgentOutput,
  };
}

Deno.test({
  name: "run_agent",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const llm = startFakeLlm();
    const server = await startServer({
      config: {
        servers: { filesystem: denoServer(PACKAGES.filesystem, { dir, args: [dir] }) },
        sandbox: { pool_size: 2 },
        agent: { max_iterations: 3, timeout_ms: 8000, max_retries: 0 },
      },
      env: {
        OPENAI_API_KEY: SECRET,
        OPENAI_BASE_URL: llm.baseURL,
        MCP_CODE_MODE_MODEL: "test-model",
      },
    });
    try {
      await t.step("execute_code works next to it (and the pool is warm)", async () => {
        const r = await execute(server, "sum([1, 2, 3])");
        assert.equal(r.result, 6);
      });

      await t.step("success at the first try, with the relevant stubs in the prompt", async () => {
        llm.script({ content: fence(GOOD) });
        let progress = 0;
        const r = await runAgent(server, "Count the words in notes.txt", {}, () => progress++);
        assert.equal(r.isError, false, r.text);
        assert.deepEqual(r.out.answer, { words: 3 });
        assert.equal(r.out.iterations.length, 1);
        assert.equal(r.out.usage.requests, 1);
        assert.equal(r.out.usage.total_tokens, 120);
        assert.equal(progress, 1, "one progress notification per iteration");
        const sent = llm.requests.at(-1)!;
        assert.equal(sent.model, "test-model");
        assert.equal(sent.messages[0].role, "system");
        assert.match(sent.messages[0].content, /def read_text_file\(\*, path: str/);
        assert.match(sent.messages[0].content, /Only these modules can be imported .*json, math/);
        assert.match(sent.messages[1].content, /Count the words in notes\.txt/);
        assert.ok(r.out.tools_offered.includes("tools.filesystem.read_text_file"));
      });

      await t.step("a broken first program is repaired at the second try", async () => {
        llm.script({ content: fence("print(undefined_name)") }, { content: fence("21 * 2") });
        const r = await runAgent(server, "Compute 42");
        assert.equal(r.isError, false, r.text);
        assert.equal(r.out.answer, 42);
        assert.equal(r.out.iterations.length, 2);
        assert.equal(r.out.iterations[0].result?.error?.code, "RUNTIME_ERROR");
        const repair = llm.requests.at(-1)!.messages.at(-1)!;
        assert.equal(repair.role, "user");
        assert.match(repair.content, /NameError: name 'undefined_name' is not defined/);
        assert.equal(llm.requests.at(-1)!.messages.at(-2)!.role, "assistant");
      });

      await t.step("it gives up after max_iterations with the last error", async () => {
        llm.script({ content: fence("1/0") }, { content: fence("def f(:\n  pass") });
        const r = await runAgent(server, "Divide", { max_iterations: 2 });
        assert.equal(r.isError, true);
        assert.equal(r.out.error?.code, "MAX_ITERATIONS", r.text);
        assert.match(r.out.error?.message ?? "", /SYNTAX_ERROR/);
        assert.equal(r.out.iterations.length, 2);
      });

      await t.step("a reply without code is asked again, then NO_CODE", async () => {
        llm.script({ content: "I would rather not." }, { content: "```\n6 * 7\n```" });
        const recovered = await runAgent(server, "Multiply");
        assert.equal(recovered.out.answer, 42, recovered.text);
        assert.match(llm.requests.at(-1)!.messages.at(-1)!.content, /no Python program/);
        llm.script({ content: "Sorry, no." });
        const none = await runAgent(server, "Multiply", { max_iterations: 1 });
        assert.equal(none.out.error?.code, "NO_CODE");
      });

      await t.step("the endpoint answering 500 or 429 is a clear LLM_ERROR", async () => {
        llm.script({ status: 500 });
        const failed = await runAgent(server, "Anything");
        assert.equal(failed.out.error?.code, "LLM_ERROR");
        assert.match(failed.out.error?.message ?? "", /answered 500.*try again later/);
        llm.script({ status: 429 });
        const limited = await runAgent(server, "Anything");
        assert.match(limited.out.error?.message ?? "", /answered 429.*rate limiting/);
      });

      await t.step("a hanging endpoint ends with TIMEOUT within the timeout", async () => {
        llm.script({ hang: true });
        const started = performance.now();
        const r = await runAgent(server, "Anything");
        const elapsed = performance.now() - started;
        assert.equal(r.out.error?.code, "TIMEOUT", r.text);
        assert.ok(elapsed < 8000 + 2000, `took ${elapsed} ms`);
      });
    } finally {
      await server.close();
      await llm.close();
    }
  },
});

Deno.test({
  name: "without an LLM run_agent is not listed and cannot be called; execute_code is unaffected",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startServer({
      config: { sandbox: { pool_size: 1 } },
      env: { OPENAI_API_KEY: "", OPENAI_BASE_URL: "" },
    });
    try {
      const names = (await server.client.listTools()).tools.map((t) => t.name);
      assert.deepEqual(names.sort(), ["execute_code", "save_skill", "search_tools"]);
      const r = await runAgent(server, "Anything");
      assert.equal(r.isError, true);
      assert.match(r.text, /run_agent not found/);
      assert.equal((await execute(server, "2 + 2")).result, 4);
    } finally {
      await server.close();
    }
  },
});

Deno.test({
  name: "the API key is invisible to Python",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startServer({
      config: { sandbox: { pool_size: 1 }, policy: { enabled: false } },
      env: { OPENAI_API_KEY: SECRET },
    });
    try {
      const r = await execute(
        server,
        "import os, js\nfound = [str(dict(os.environ))]\n" +
          "for probe in (lambda: js.Deno.env.get('OPENAI_API_KEY'), lambda: js.Deno.env.toObject()):\n" +
          "    try:\n        found.append(str(probe()))\n    except Exception as e:\n        found.append(type(e).__name__)\n" +
          "from pyodide.code import run_js\ntry:\n" +
          "    found.append(str(await run_js(\"import('node:process').then(p => JSON.stringify(p.default.env))\")))\n" +
          "except Exception as e:\n    found.append(type(e).__name__)\n" +
          "found",
      );
      assert.ok(!JSON.stringify(r).includes(SECRET), "the key leaked into the sandbox");
      assert.equal(r.ok, true, r.text);
    } finally {
      await server.close();
      Deno.removeSync(dir, { recursive: true });
    }
  },
});
