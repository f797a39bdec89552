/**
 * Oversized input over our stdio server: a message past the transport's cap is answered with a
 * JSON-RPC error and the server keeps serving; when stdin then closes, or the answer cannot be
 * written, the server and every process under it end.
 */
import assert from "node:assert/strict";
import { McpError, McpErrorCode } from "../src/mcp_sdk.ts";
import { taskFlags } from "../scripts/task_flags.ts";
import { descendants, waitForExit } from "../support/processes.ts";
import { execute, root, startServer, writeConfig } from "../support/server.ts";
import { testUpstream } from "../support/test_upstream.ts";

const MiB = 1024 * 1024;
const CONFIG = { servers: { t: testUpstream() }, sandbox: { pool_size: 2 } };

Deno.test({
  name: "a 20 MB message gets a JSON-RPC error; the server still answers",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startServer({ config: CONFIG });
    try {
      const huge = server.client.callTool(
        { name: "execute_code", arguments: { code: "#" + "x".repeat(20 * MiB) } },
        undefined,
        { timeout: 120_000 },
      );
      const error = await huge.then(() => null, (e) => e);
      assert.ok(error instanceof McpError, `expected an McpError, got ${error}`);
      assert.equal(error.code, McpErrorCode.InvalidRequest);
      assert.match(error.message, /larger than the 10485760 bytes this server accepts/);
      assert.deepEqual(await server.client.ping(), {});
      const r = await execute(server, "tools.t.echo(text='still serving')");
      assert.equal(r.result, "still serving", r.text);
    } finally {
      await server.close();
    }
  },
});

/** Spawns the server as `deno task start` would, with raw pipes, once it serves. */
async function spawnRaw() {
  const configPath = writeConfig(CONFIG);
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", ...taskFlags("start"), "main.ts", "--config", configPath],
    cwd: root,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  while (!seen.includes("Serving MCP over stdio")) {
    const { value, done } = await stderr.read();
    if (done) throw new Error(`the server did not start:\n${seen}`);
    seen += value;
  }
  const rest = (async () => {
    for (let r = await stderr.read(); !r.done; r = await stderr.read()) seen += r.value;
    return seen;
  })();
  return { child, configPath, tree: await descendants(child.pid), stderr: rest };
}

/** Kills whatever a failed test left running and removes its config. */
async function cleanUp(child: Deno.ChildProcess, tree: number[], configPath: string) {
  for (const pid of [child.pid, ...tree]) {
    try {
      Deno.kill(pid, "SIGKILL");
    } catch { /* already gone */ }
  }
  await child.status;
  await Deno.remove(`${root}${configPath}`).catch(() => {});
}

/** A `tools/call` line of `bytes` bytes with id 1 first (as most SDKs write it). */
function bigLine(bytes: number): Uint8Array {
  const start = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"execute_code",' +
    '"arguments":{"code":"#';
  const end = '"}}}\n';
  return new TextEncoder().encode(start + "x".repeat(bytes - start.length - end.length) + end);
}

/** `promise`, or a failure naming `what` if it has not settled after `ms` (a hang guard). */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, hang]);
  } finally {
    clearTimeout(timer);
  }
}

async function assertAllGone(pids: number[]) {
  for (const pid of pids) assert.ok(await waitForExit(pid, 30_000), `process ${pid} was left`);
}

Deno.test({
  name: "after a 10.5 MB message and the end of stdin, the server and its children exit",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const { child, configPath, tree, stderr } = await spawnRaw();
    try {
      assert.ok(tree.length >= 3, `expected pool children and an upstream, saw ${tree.length}`);
      const writer = child.stdin.getWriter();
      await within(writer.write(bigLine(10.5 * MiB)), 60_000, "stdin is not read");
      await within(writer.close(), 60_000, "stdin is not read");
      const stdout = await within(new Response(child.stdout).text(), 60_000, "stdout still open");
      const replies = stdout.trim().split("\n").map((line) => JSON.parse(line))
        .filter((m) => "id" in m);
      assert.equal(replies.length, 1, stdout.slice(0, 1000));
      const [reply] = replies;
      assert.equal(reply.id, 1);
      assert.equal(reply.error.code, McpErrorCode.InvalidRequest);
      const status = await within(child.status, 60_000, "the server still runs");
      assert.equal(status.code, 0, await stderr);
      await assertAllGone([child.pid, ...tree]);
    } finally {
      await cleanUp(child, tree, configPath);
    }
  },
});

Deno.test({
  name: "when the answer cannot be written, the server exits non-zero with one clear line",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const { child, configPath, tree, stderr } = await spawnRaw();
    try {
      await child.stdout.cancel(); // nobody reads the answers any more
      const writer = child.stdin.getWriter();
      await within(writer.write(bigLine(10.5 * MiB)).catch(() => {}), 60_000, "stdin is not read");
      const status = await within(child.status, 60_000, "the server still runs");
      const log = await stderr;
      assert.notEqual(status.code, 0, log);
      assert.match(
        log,
        /error: Stopping: .*could not be written|error: Stopping: stdout is closed/,
      );
      await assertAllGone([child.pid, ...tree]);
      await writer.close().catch(() => {});
    } finally {
      await cleanUp(child, tree, configPath);
    }
  },
});
