/**
 * `deno task debug --code FILE`: the debug client starts the real server over stdio, lists its
 * tools and prints an execute_code run readably.
 */
import assert from "node:assert/strict";
import { root, writeConfig } from "../support/server.ts";

Deno.test("the debug client runs a Python file through execute_code", async () => {
  const file = `${root}.cache/tests/debug-${crypto.randomUUID()}.py`;
  Deno.writeTextFileSync(file, "print('from the file')\nsum(range(5))\n");
  const config = writeConfig({ sandbox: { pool_size: 1 } });
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["task", "debug", "--quiet", "--config", config, "--code", file],
      cwd: root,
      env: { OPENAI_API_KEY: "", OPENAI_BASE_URL: "" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout);
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    assert.match(text, /• execute_code: /);
    assert.doesNotMatch(text, /• run_agent: /, "no LLM is configured, so run_agent is not listed");
    assert.match(text, /→ ok in [\d.]+ ms, 0 tool call\(s\)/);
    assert.match(text, /stdout:\nfrom the file/);
    assert.match(text, /result: 10/);
  } finally {
    Deno.removeSync(file);
    Deno.removeSync(`${root}${config}`);
  }
});
