/**
 * Start-up and shutdown of the real server: a bad or missing config is a clear message and a
 * non-zero exit; stdin end, SIGINT and SIGTERM stop the server without orphaned sandbox children.
 */
import assert from "node:assert/strict";
import { taskFlags } from "../scripts/task_flags.ts";
import { childPids, commandLine, waitForExit } from "../support/processes.ts";
import { root, startServer, writeConfig } from "../support/server.ts";
import { denoServer, PACKAGES } from "../support/upstreams.ts";
import { waitFor } from "../support/wait.ts";

async function runMain(args: string[]): Promise<{ code: number; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...taskFlags("start"), "main.ts", ...args],
    cwd: root,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
}

Deno.test("a missing config file names the file and the fix", async () => {
  const r = await runMain(["--config", ".cache/tests/does-not-exist.json"]);
  assert.notEqual(r.code, 0);
  assert.match(
    r.stderr,
    /Config file \.cache\/tests\/does-not-exist\.json was not found; create it/,
  );
});

Deno.test("invalid JSON in the config is reported with the file name", async () => {
  Deno.mkdirSync(`${root}.cache/tests`, { recursive: true });
  const path = ".cache/tests/broken.json";
  Deno.writeTextFileSync(`${root}${path}`, '{ "servers": ');
  const r = await runMain(["--config", path]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /Config file \.cache\/tests\/broken\.json is not valid JSON/);
});

Deno.test("a wrong sandbox setting names the JSON path", async () => {
  const path = writeConfig({ sandbox: { timeout_ms: "soon" } });
  const r = await runMain(["--config", path]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /at sandbox\.timeout_ms: .*number/);
});

Deno.test("an unknown key is named", async () => {
  const path = writeConfig({ sandbox: { pool_sise: 3 } });
  const r = await runMain(["--config", path]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /unknown key\(s\) "pool_sise"/);
});

Deno.test("an unknown flag is refused with a pointer to --help", async () => {
  const r = await runMain(["--bogus"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--help/);
});

for (const how of ["stdin end", "SIGTERM", "SIGINT"] as const) {
  Deno.test({
    name: `shutdown on ${how} leaves no orphan children`,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const server = await startServer({ config: { sandbox: { pool_size: 2 } } });
      // A run in progress while we stop: its child must die too.
      const running = server.client.callTool({
        name: "execute_code",
        arguments: { code: "while True: pass" },
      })
        .catch(() => undefined);
      let children: number[] = [];
      await waitFor(async () => (children = await childPids(server.pid)).length >= 3, "children")
        .catch(() => {});
      assert.ok(children.length >= 2, `expected live sandbox children, saw ${children.length}`);
      if (how === "stdin end") await server.close();
      else Deno.kill(server.pid, how);
      assert.ok(await waitForExit(server.pid, 10_000), "the server exited");
      for (const pid of children) {
        assert.ok(await waitForExit(pid, 5000), `child ${pid} was left running`);
      }
      if (how !== "stdin end") await server.close().catch(() => {});
      await running;
    },
  });
}

Deno.test({
  name: "a sandbox child stuck in a loop ends when the host is SIGKILLed",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    // The program calls a tool, then loops: the audit log's line for that call (written by the
    // host once the call is answered) tells the test the loop is running.
    const dir = Deno.makeTempDirSync({ prefix: "mcp-lifecycle-" });
    const audit = `${dir}/audit.jsonl`;
    const server = await startServer({
      config: {
        servers: { filesystem: denoServer(PACKAGES.filesystem, { dir, args: [dir] }) },
        sandbox: { pool_size: 1, timeout_ms: 120_000 },
        approval: { audit_log: audit },
      },
    });
    const running = server.client.callTool({
      name: "execute_code",
      arguments: {
        code: "tools.filesystem.list_allowed_directories()\nwhile True:\n    pass",
      },
    })
      .catch(() => undefined);
    await waitFor(() => readText(audit).includes("list_allowed_directories"), "the tool call");
    const workers = await sandboxChildren(server.pid);
    assert.ok(workers.length >= 1, "a sandbox child is running");
    Deno.kill(server.pid, "SIGKILL");
    for (const pid of workers) {
      assert.ok(await waitForExit(pid, 5000), `child ${pid} outlived its host`);
    }
    await server.close().catch(() => {});
    await running;
    Deno.removeSync(dir, { recursive: true });
  },
});

function readText(path: string): string {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return "";
  }
}

async function sandboxChildren(pid: number): Promise<number[]> {
  const out: number[] = [];
  for (const child of await childPids(pid)) {
    if ((await commandLine(child)).includes("sandbox/worker.ts")) out.push(child);
  }
  return out;
}
