/**
 * Starting the server as a user would: `deno task start`'s flags serve a config and `.env` kept
 * anywhere on disk, with no warning when there is no `.env`; `deno run main.ts` without flags
 * prints one line saying how to start it; `--help` is aligned.
 */
import assert from "node:assert/strict";
import { taskFlags } from "../scripts/task_flags.ts";
import { execute, root, startServer } from "../support/server.ts";

async function run(args: string[], cwd: string): Promise<{ code: number; out: string }> {
  const output = await new Deno.Command(Deno.execPath(), {
    args,
    cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  return { code: output.code, out: text.decode(output.stdout) + text.decode(output.stderr) };
}

Deno.test("a config and .env outside the project, started from a third folder", async () => {
  const home = await Deno.makeTempDir({ prefix: "mcm-config-" });
  const cwd = await Deno.makeTempDir({ prefix: "mcm-cwd-" });
  await Deno.writeTextFile(`${home}/.env`, "MCM_TEST_FOLDER=from-dotenv\n");
  await Deno.writeTextFile(
    `${home}/conf.json`,
    JSON.stringify({ workspace: "${MCM_TEST_FOLDER}", sandbox: { pool_size: 1 } }),
  );
  const server = await startServer({ configPath: `${home}/conf.json`, cwd });
  try {
    const r = await execute(server, "6 * 7");
    assert.equal(r.result, 42, r.text);
    assert.ok((await Deno.stat(`${home}/from-dotenv`)).isDirectory, "workspace from .env");
    assert.match(server.stderr(), /Read .*\/\.env \(1 variable set\)/);
    assert.doesNotMatch(server.stderr(), /warn|not found|No such file/i, server.stderr());
  } finally {
    await server.close();
    await Deno.remove(home, { recursive: true });
    await Deno.remove(cwd, { recursive: true });
  }
});

Deno.test("deno run main.ts without flags prints one line saying how to start it", async () => {
  const r = await run(["run", `${root}main.ts`], root);
  assert.equal(r.code, 2);
  assert.equal(
    r.out,
    "mcp-code-mode needs --allow-read, --allow-write, --allow-net, --allow-env, --allow-run: " +
      "start it with `deno task start` (or `deno task start:http`), see README.md.\n",
  );
});

Deno.test("--help: every option's text starts in the same column", async () => {
  const r = await run(["run", ...taskFlags("start"), "main.ts", "--help"], root);
  assert.equal(r.code, 0);
  const options = r.out.split("\n").filter((line) => /^ {2}--/.test(line));
  assert.ok(options.length >= 7, r.out);
  const columns = new Set(options.map((line) => /^ {2}--\S+(?: \S+)?\s+/.exec(line)![0].length));
  assert.equal(columns.size, 1, r.out);
});

Deno.test("a missing config points to a README heading that exists", async () => {
  const r = await run(
    ["run", ...taskFlags("start"), "main.ts", "--config", ".cache/tests/none.json"],
    root,
  );
  assert.equal(r.code, 1);
  const heading = /see README, "([^"]+)"/.exec(r.out)?.[1];
  assert.ok(heading, r.out);
  const readme = await Deno.readTextFile(`${root}README.md`);
  assert.ok(readme.split("\n").includes(`## ${heading}`), `no "## ${heading}" in README.md`);
});
