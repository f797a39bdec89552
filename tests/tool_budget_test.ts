/**
 * The token budget of what a model is shown of our tools (README, "The tools this server
 * offers"): with the committed configuration, the name, description and input schema of every
 * listed tool together stay within 350 o200k tokens — including room for the features whose words
 * are not there yet (the approvals sentence, the session/reset/files inputs, save_skill), so a
 * later addition that does not fit fails here. run_agent is listed only with an LLM configured.
 */
import assert from "node:assert/strict";
import { root, startServer } from "../support/server.ts";
import { toolListTokens, toolTokens } from "../support/tokens.ts";

/** Everything a model is shown of our tools, in o200k tokens. */
const BUDGET = 350;

/**
 * Tokens kept free for features not built yet; each applies while its feature is missing from the
 * listing (a built feature is measured as it is). Words for these slots are in
 * src/formatting/tool_index.ts (APPROVAL_SENTENCE, `sessions`, `skills`).
 */
const RESERVED: Array<{ feature: string; tokens: number; built: (t: Listed[]) => boolean }> = [
  {
    feature: "approvals: one sentence in execute_code's description",
    tokens: 15,
    built: (t) => /APPROVAL_DENIED/.test(describe(t, "execute_code")),
  },
  {
    feature: "sessions and files: session, reset and files inputs of execute_code",
    tokens: 35,
    built: (t) => "session" in properties(t, "execute_code"),
  },
  {
    feature: "skills: the save_skill tool (the skills index shares the tool index's budget)",
    tokens: 64,
    built: (t) => t.some((tool) => tool.name === "save_skill"),
  },
];

interface Listed {
  name: string;
  description?: string;
  inputSchema?: { properties?: Record<string, unknown> };
}

const describe = (tools: Listed[], name: string) =>
  tools.find((t) => t.name === name)?.description ?? "";
const properties = (tools: Listed[], name: string) =>
  tools.find((t) => t.name === name)?.inputSchema?.properties ?? {};

async function listCommitted(env: Record<string, string>): Promise<Listed[]> {
  const workspace = await Deno.makeTempDir({ prefix: "mcm-budget-" });
  const server = await startServer({
    configPath: `${root}mcp_servers.json`,
    env: { MCP_CODE_MODE_WORKSPACE: workspace, ...env },
  });
  try {
    return (await server.client.listTools()).tools as Listed[];
  } finally {
    await server.close();
    await Deno.remove(workspace, { recursive: true });
  }
}

const NO_LLM = { OPENAI_API_KEY: "", OPENAI_BASE_URL: "" };

Deno.test("tool list: the committed configuration's tools fit 350 tokens with room for what is planned", async () => {
  const tools = await listCommitted(NO_LLM);
  const measured = toolListTokens(tools);
  const reserved = RESERVED.filter((r) => !r.built(tools));
  const total = measured + reserved.reduce((n, r) => n + r.tokens, 0);
  const breakdown = [
    ...tools.map((t) => `${t.name}: ${toolTokens(t)}`),
    ...reserved.map((r) => `reserved for ${r.feature}: ${r.tokens}`),
  ].join("\n");
  assert.ok(total <= BUDGET, `${total} tokens > ${BUDGET}:\n${breakdown}`);
  assert.deepEqual(tools.map((t) => t.name).sort(), ["execute_code", "save_skill", "search_tools"]);
});

Deno.test("tool list: the index keeps how paths work and points to search_tools for the rest", async () => {
  const tools = await listCommitted(NO_LLM);
  const description = describe(tools, "execute_code");
  assert.match(description, /\nfilesystem \(paths relative to the workspace\): read_text_file /);
  assert.match(description, /\nmemory: create_entities /);
  assert.match(description, /\(\+\d+ more\)/);
  assert.doesNotMatch(description, /\bread_file\b/, "the deprecated tool is left out");
  const schemas = JSON.stringify(tools.map((t) => t.inputSchema));
  assert.doesNotMatch(schemas, /\$schema|9007199254740991/, "no words a model does not need");
});

Deno.test("tool list: run_agent is listed only when an LLM is configured", async () => {
  const withKey = await listCommitted({ ...NO_LLM, OPENAI_API_KEY: "sk-test" });
  assert.ok(withKey.some((t) => t.name === "run_agent"));
  const local = await listCommitted({ ...NO_LLM, OPENAI_BASE_URL: "http://127.0.0.1:9/v1" });
  assert.ok(local.some((t) => t.name === "run_agent"), "a base URL alone is an LLM (local)");
});

Deno.test("tool list: bounds left out of the listed schemas are still enforced, naming the argument", async () => {
  const server = await startServer({ config: { sandbox: { pool_size: 1, max_timeout_ms: 5000 } } });
  try {
    const call = async (name: string, args: Record<string, unknown>) => {
      const r = await server.client.callTool({ name, arguments: args });
      return { isError: r.isError, text: (r.content as Array<{ text: string }>)[0].text };
    };
    const slow = await call("execute_code", { code: "1", timeout_ms: 60_000 });
    assert.equal(slow.isError, true);
    assert.match(slow.text, /"INVALID_INPUT".*timeout_ms: Too big: expected number to be <=5000/);
    const empty = await call("execute_code", { code: "" });
    assert.match(empty.text, /INVALID_INPUT.*code: Too small/);
    const many = await call("search_tools", { query: "x", limit: 0 });
    assert.equal(many.isError, true);
    assert.match(many.text, /Invalid arguments for search_tools: limit: Too small/);
    assert.equal((await call("execute_code", { code: "6 * 7", timeout_ms: 4000 })).isError, false);
  } finally {
    await server.close();
  }
});

/** The committed configuration copied into a temporary project, with `skills` saved in it. */
async function project(skills: Record<string, string>) {
  const dir = await Deno.makeTempDir({ prefix: "mcm-project-" });
  await Deno.copyFile(`${root}mcp_servers.json`, `${dir}/mcp_servers.json`);
  await Deno.mkdir(`${dir}/skills`);
  for (const [name, code] of Object.entries(skills)) {
    await Deno.writeTextFile(`${dir}/skills/${name}.py`, code);
  }
  return { dir, remove: () => Deno.remove(dir, { recursive: true }) };
}

async function describeProject(skills: Record<string, string>): Promise<string> {
  const home = await project(skills);
  // Empty: the committed default applies, `skills` next to the config file (the project's).
  const server = await startServer({
    configPath: `${home.dir}/mcp_servers.json`,
    env: { ...NO_LLM, MCP_CODE_MODE_SKILLS: "", MCP_CODE_MODE_WORKSPACE: `${home.dir}/ws` },
  });
  try {
    return describe((await server.client.listTools()).tools as Listed[], "execute_code");
  } finally {
    await server.close();
    await home.remove();
  }
}

Deno.test("tool list: a project's saved skills get their own line; the servers' lines stay whole", async () => {
  const serverLines = (text: string) =>
    text.split("\n").filter((l) => /^(filesystem|memory)/.test(l));
  const plain = await describeProject({});
  const withSkills = await describeProject({
    sync_notes: '"""Copies the notes of the workspace into the memory graph."""\n\n' +
      "def sync_notes():\n    return 0\n",
    word_count: "def word_count(text):\n    return len(text.split())\n",
  });
  assert.match(withSkills, /\nfilesystem \(paths relative to the workspace\): read_text_file /);
  assert.deepEqual(serverLines(withSkills), serverLines(plain));
  assert.match(
    withSkills,
    /\nskills: sync_notes \(Copies the notes of the workspace into …\) word_count/,
  );
  assert.doesNotMatch(plain, /\nskills:/);
});

Deno.test("tool list: the committed config under test never uses the project's skills/ or workspace/", async () => {
  const name = `budget_probe_${crypto.randomUUID().slice(0, 8)}`;
  const server = await startServer({ configPath: `${root}mcp_servers.json`, env: NO_LLM });
  try {
    const saved = await server.client.callTool({
      name: "save_skill",
      arguments: { name, code: `def ${name}():\n    return 1\n` },
    });
    const text = JSON.stringify(saved.content);
    assert.notEqual(saved.isError, true, text);
    assert.match(text, /Saved skill budget_probe_\w+ \(\/[^)]*mcm-test-home-\w+\/skills\//);
    assert.throws(() => Deno.statSync(`${root}skills/${name}.py`), "not in the project's skills/");
  } finally {
    await server.close();
    await Deno.remove(`${root}skills/${name}.py`).catch(() => {});
  }
});
