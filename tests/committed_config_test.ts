/**
 * The committed `mcp_servers.json`, unchanged, works from any working directory: Python calls a
 * tool of every configured server (memory: create then read the graph; filesystem: write, list and
 * read back with a path relative to the workspace, as the tool index describes it). The workspace
 * is a temporary folder (`MCP_CODE_MODE_WORKSPACE`), so the test leaves the repository clean.
 * The committed config asks a person before destructive calls: the client approves write_file.
 */
import assert from "node:assert/strict";
import { ElicitRequestSchema } from "../src/mcp_sdk.ts";
import { execute, root, startServer } from "../support/server.ts";

const COMMITTED = `${root}mcp_servers.json`;

const PROGRAM = `
tools.memory.create_entities(entities=[
    {"name": "Ada", "entityType": "person", "observations": ["wrote the first program"]},
])
graph = tools.memory.read_graph()
tools.filesystem.write_file(path="notes.txt", content="hello from python")
listing = tools.filesystem.list_directory(path=".")
back = tools.filesystem.read_text_file(path="notes.txt")
result = {
    "entities": [e["name"] for e in graph["entities"]],
    "listed": "notes.txt" in str(listing),
    "back": back if isinstance(back, str) else back.get("content"),
}
`;

async function callsEveryServer(cwd: string) {
  const workspace = await Deno.makeTempDir({ prefix: "mcm-workspace-" });
  const server = await startServer({
    configPath: COMMITTED,
    cwd,
    env: { MCP_CODE_MODE_WORKSPACE: workspace },
    capabilities: { elicitation: {} },
  });
  const asked: string[] = [];
  server.client.setRequestHandler(ElicitRequestSchema, (request) => {
    asked.push(request.params.message);
    return { action: "accept", content: { approve: true } };
  });
  try {
    const tools = (await server.client.listTools()).tools;
    const description = tools.find((t) => t.name === "execute_code")?.description ?? "";
    assert.match(description, /\nfilesystem \(paths relative to the workspace\): /);
    assert.doesNotMatch(description, /unavailable/, server.stderr());

    const result = await execute(server, PROGRAM);
    assert.equal(result.ok, true, `${result.text}\n${server.stderr()}`);
    assert.equal(asked.length, 1, "only write_file needs approval");
    assert.match(asked[0], /"write_file" of the server "filesystem"/);
    assert.deepEqual(result.result, {
      entities: ["Ada"],
      listed: true,
      back: "hello from python",
    });
    assert.equal(await Deno.readTextFile(`${workspace}/notes.txt`), "hello from python");
    assert.match(await Deno.readTextFile(`${workspace}/memory.jsonl`), /"Ada"/);
    assert.doesNotMatch(server.stderr(), /warn/i, server.stderr());
  } finally {
    await server.close();
    await Deno.remove(workspace, { recursive: true });
  }
}

Deno.test("committed config: every server answers, started from the project folder", () =>
  callsEveryServer(root));

Deno.test("committed config: every server answers, started from another folder", async () => {
  const elsewhere = await Deno.makeTempDir({ prefix: "mcm-cwd-" });
  try {
    await callsEveryServer(elsewhere);
  } finally {
    await Deno.remove(elsewhere, { recursive: true });
  }
});

Deno.test("quick start: deno task debug --code examples/report.py works with the committed config", async () => {
  const workspace = await Deno.makeTempDir({ prefix: "mcm-workspace-" });
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["task", "debug", "--approve", "--code", "examples/report.py"],
      cwd: root,
      env: { MCP_CODE_MODE_WORKSPACE: workspace, MCP_CODE_MODE_SKILLS: `${workspace}/.skills` },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout);
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, stderr);
    assert.match(text, /→ ok in [\d.]+ m?s, 4 tool call\(s\)/);
    // The committed config asks before destructive calls: write_file was asked about, and only it.
    assert.equal(text.match(/approved \(--approve\)/g)?.length, 1, text);
    assert.match(text, /\? .*"write_file" of the server "filesystem"/);
    assert.match(text, /result: \{"files":2,"entities":1,"note":true\}/);
    assert.doesNotMatch(stderr, /warn/i, stderr);
    assert.match(await Deno.readTextFile(`${workspace}/hello.txt`), /^Hello from code mode/);
  } finally {
    await Deno.remove(workspace, { recursive: true });
  }
});
