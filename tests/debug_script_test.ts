/**
 * `deno task debug --code FILE`: the debug client starts the real server over stdio, lists its
 * tools and prints an execute_code run readably; FILE is found from the folder the person is in;
 * a missing file or a bad flag is one line and exit code 2, a failed execution exit code 1; a
 * result's and the server's stderr's control characters arrive escaped. (At a terminal:
 * tests/debug_terminal_test.ts.)
 */
import assert from "node:assert/strict";
import { root, startServer, writeConfig } from "../support/server.ts";
import { startFakeLlm } from "../support/fake_llm.ts";
import { commandLine, descendants } from "../support/processes.ts";
import { testUpstream } from "../support/test_upstream.ts";
import { waitFor } from "../support/wait.ts";

// deno-lint-ignore no-control-regex
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

/**
 * Runs `deno task debug ARGS` in `cwd` with stdin and stdout piped, as from a shell: without the
 * `INIT_CWD` that the `deno task test` running this suite set (a task keeps one it inherits).
 */
async function debug(args: string[], cwd = root, env: Record<string, string> = {}) {
  const out = await new Deno.Command("env", {
    args: ["-u", "INIT_CWD", Deno.execPath(), "task", "debug", ...args],
    cwd,
    env: { OPENAI_API_KEY: "", OPENAI_BASE_URL: "", NO_COLOR: "1", ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

/** A folder inside the project (so `deno task` finds deno.json above it) with `program.py`. */
async function programFolder(program: string): Promise<string> {
  const dir = `${root}.cache/tests/debug-${crypto.randomUUID()}`;
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(`${dir}/program.py`, program);
  return dir;
}

Deno.test("the debug client runs a Python file through execute_code", async () => {
  const dir = await programFolder("print('from the file')\nsum(range(5))\n");
  const config = writeConfig({ sandbox: { pool_size: 1 } });
  try {
    const out = await debug(["--quiet", "--config", config, "--code", `${dir}/program.py`]);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /• execute_code: /);
    assert.doesNotMatch(out.stdout, /• run_agent: /, "no LLM is configured: run_agent not listed");
    assert.match(out.stdout, /→ ok in [\d.]+ m?s, 0 tool call\(s\)/);
    assert.match(out.stdout, /stdout:\nfrom the file/);
    assert.match(out.stdout, /result: 10/);
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(`${root}${config}`);
  }
});

Deno.test("--code and --config are found from the current folder, not the project's", async () => {
  const dir = await programFolder("print('found here')\n");
  await Deno.writeTextFile(`${dir}/config.json`, JSON.stringify({ sandbox: { pool_size: 1 } }));
  try {
    const out = await debug(["--quiet", "--config", "config.json", "--code", "program.py"], dir);
    assert.equal(out.code, 0, out.stdout + out.stderr);
    assert.match(out.stdout, /── execute_code program\.py/);
    assert.match(out.stdout, /stdout:\nfound here/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a missing --code file is one line naming the path, exit code 2, no server", async () => {
  const dir = await programFolder("");
  try {
    const out = await debug(["--code", "no_such.py"], dir);
    assert.equal(out.code, 2, out.stdout + out.stderr);
    const lines = out.stderr.trim().split("\n").filter((l) => !l.startsWith("Task debug"));
    assert.equal(lines.length, 1, out.stderr);
    assert.match(lines[0], new RegExp(`${dir}/no_such\\.py`));
    assert.match(lines[0], /cannot be read/);
    assert.doesNotMatch(out.stderr, /\n\s+at |Uncaught/);
    assert.doesNotMatch(out.stdout + out.stderr, /connected|Serving MCP/, "no server was started");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an unknown flag is one line and exit code 2", async () => {
  const out = await debug(["--cod", "x.py"]);
  assert.equal(out.code, 2, out.stderr);
  assert.match(out.stderr, /--cod/);
  assert.match(out.stderr, /--help/);
  assert.doesNotMatch(out.stderr, /\n\s+at |Uncaught|TypeError/);
});

Deno.test("a failed execution exits 1; its result's control characters arrive escaped", async () => {
  const failing = await programFolder("print('\\x1b]0;title\\x07')\n1/0\n");
  const escaping = await programFolder("'\\x9b2J\\x1b]52;c;aGk=\\x07\\u202e'\n");
  const config = writeConfig({ sandbox: { pool_size: 1 } });
  try {
    const failed = await debug(["--quiet", "--config", config, "--code", `${failing}/program.py`]);
    assert.match(failed.stdout, /→ error in /);
    assert.match(failed.stdout, /ZeroDivisionError/);
    assert.match(failed.stdout, /\\x1b\]0;title\\x07/);
    assert.equal(failed.code, 1, failed.stdout);
    const shown = await debug(["--quiet", "--config", config, "--code", `${escaping}/program.py`]);
    assert.equal(shown.code, 0, shown.stdout + shown.stderr);
    assert.match(shown.stdout, /result: "\\x9b2J\\u001b\]52;c;aGk=\\u0007\\u202e"/);
    assert.equal(RAW_CONTROL.exec(failed.stdout + shown.stdout), null);
  } finally {
    await Deno.remove(failing, { recursive: true });
    await Deno.remove(escaping, { recursive: true });
    await Deno.remove(`${root}${config}`);
  }
});

Deno.test("what an upstream writes to the server's stderr arrives escaped", async () => {
  const dir = await programFolder("1\n");
  const config = writeConfig({
    servers: { noisy: testUpstream({}, ["--fail-at-start", "fatal \x1b]0;pwned\x07\x1b[2J"]) },
    sandbox: { pool_size: 1 },
  });
  try {
    const out = await debug(["--config", config, "--code", `${dir}/program.py`]);
    assert.match(out.stderr, /fatal \\x1b\]0;pwned\\x07/, out.stderr);
    assert.equal(RAW_CONTROL.exec(out.stderr.replace(/^Task debug.*\n/, "")), null, out.stderr);
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(`${root}${config}`);
  }
});

Deno.test("tool descriptions are cut at a word boundary with an ellipsis", async () => {
  const config = writeConfig({ sandbox: { pool_size: 1 } });
  const dir = await programFolder("1\n");
  const server = await startServer({ config: { sandbox: { pool_size: 1 } } });
  try {
    const { tools } = await server.client.listTools();
    const out = await debug(["--quiet", "--config", config, "--code", `${dir}/program.py`]);
    for (const tool of tools) {
      const full = (tool.description ?? "").split("\n")[0];
      const line = out.stdout.split("\n").find((l) => l.startsWith(`• ${tool.name}: `));
      assert.ok(line, `${tool.name} is listed:\n${out.stdout}`);
      const shown = line.slice(`• ${tool.name}: `.length);
      if (!shown.endsWith("…")) {
        assert.equal(shown, full);
        continue;
      }
      const kept = shown.slice(0, -1);
      assert.ok(full.startsWith(kept), `${shown} is a prefix of ${full}`);
      assert.match(full.slice(kept.length), /^\s/, `cut at a word boundary: ${shown}`);
    }
  } finally {
    await server.close();
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(`${root}${config}`);
  }
});

Deno.test("a run_agent task: each iteration and the answer printed, exit 0; a failed run exits 1", async () => {
  const llm = startFakeLlm();
  const config = writeConfig({
    sandbox: { pool_size: 1 },
    agent: { max_iterations: 1, timeout_ms: 20_000, max_retries: 0 },
  });
  const env = { OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: llm.baseURL };
  try {
    llm.script({ content: "```python\nprint('\\x1b]0;title\\x07')\n'\\x9b' + 'done'\n```" });
    const ok = await debug(["--quiet", "--config", config, "Say done"], root, env);
    assert.match(ok.stdout, /── run_agent: Say done/);
    assert.match(ok.stdout, /── iteration 1/);
    assert.match(ok.stdout, /stdout:\n\\x1b\]0;title\\x07/);
    assert.match(ok.stdout, /── answer[^]*"\\x9bdone"/);
    assert.equal(RAW_CONTROL.exec(ok.stdout), null, ok.stdout);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    llm.script({ content: "```python\n1/0\n```" });
    const failed = await debug(["--quiet", "--config", config, "Divide"], root, env);
    assert.match(failed.stdout, /── failed/);
    assert.equal(failed.code, 1, failed.stdout + failed.stderr);
  } finally {
    await llm.close();
    await Deno.remove(`${root}${config}`);
  }
});

Deno.test("SIGINT to the debug client alone reaches the server too: interrupted, exit 130", async () => {
  const dir = await programFolder("while True:\n    pass\n");
  const config = writeConfig({ sandbox: { pool_size: 1 } });
  const child = new Deno.Command(Deno.execPath(), {
    args: ["task", "debug", "--quiet", "--config", config, "--code", `${dir}/program.py`],
    cwd: root,
    env: { OPENAI_API_KEY: "", OPENAI_BASE_URL: "", NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let stdout = "";
  const read = (async () => {
    for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) stdout += chunk;
  })();
  const stderr = new Response(child.stderr).text();
  try {
    await waitFor(() => stdout.includes("── execute_code"), "the run to start");
    const clients = [];
    for (const pid of await descendants(child.pid)) {
      if ((await commandLine(pid)).includes("debug_executor.ts")) clients.push(pid);
    }
    assert.equal(clients.length, 1);
    Deno.kill(clients[0], "SIGINT");
    const status = await child.status;
    await read;
    assert.match(stdout, /interrupted \(Ctrl-C\)/);
    assert.match(stdout, /→ error in .*\nSHUTTING_DOWN: /, "the server answered the stopped run");
    assert.equal(status.code, 130, stdout + (await stderr));
  } finally {
    try {
      child.kill();
    } catch { /* ended */ }
    await stderr;
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(`${root}${config}`);
  }
});

Deno.test("a server that cannot start: its own message, one line of ours, exit code 3", async () => {
  const dir = await programFolder("1\n");
  await Deno.writeTextFile(`${dir}/bad.json`, JSON.stringify({ servers: { x: 5 } }));
  try {
    const out = await debug(["--config", "bad.json", "--code", "program.py"], dir);
    assert.match(out.stderr, /Config file .*bad\.json is invalid/);
    assert.match(out.stderr, /The server did not start \(.*\); its own message is above\.\n/);
    assert.doesNotMatch(out.stderr, /\n\s+at [\w.]+ \(|Uncaught/);
    assert.equal(out.code, 3, out.stderr);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
