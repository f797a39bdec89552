/**
 * `MCP_CODE_MODE_LOG`: a known level sets the threshold; an unknown value is not ignored in
 * silence: one warning names the allowed values, and the default (`info`) applies.
 */
import assert from "node:assert/strict";
import { root } from "../support/server.ts";

async function logWith(level: string): Promise<string> {
  const program = `import { log } from "${root}src/log.ts";\n` +
    `log("debug", "a debug line"); log("info", "an info line"); log("info", "another");`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--no-prompt", "--allow-env", "--allow-read", program],
    env: { MCP_CODE_MODE_LOG: level },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0);
  return new TextDecoder().decode(out.stderr);
}

Deno.test("log: an unknown MCP_CODE_MODE_LOG value is warned about once, naming the allowed ones", async () => {
  const stderr = await logWith("verbose");
  assert.match(await logWith("toString"), /"toString" is not a log level/, "no inherited names");
  const warnings = stderr.split("\n").filter((l) => l.includes("MCP_CODE_MODE_LOG"));
  assert.equal(warnings.length, 1, stderr);
  assert.match(
    warnings[0],
    /warn: MCP_CODE_MODE_LOG="verbose" is not a log level; use debug, info, warn or error\. Logging at info\./,
  );
  assert.match(stderr, /info: an info line/);
  assert.doesNotMatch(stderr, /a debug line/);
});

Deno.test("log: a known level applies without a warning", async () => {
  const stderr = await logWith("debug");
  assert.match(stderr, /debug: a debug line/);
  assert.doesNotMatch(stderr, /MCP_CODE_MODE_LOG/);
  assert.doesNotMatch(await logWith("warn"), /info line|MCP_CODE_MODE_LOG/);
});
