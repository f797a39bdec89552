/**
 * Runs `deno task conformance` (the MCP conformance suite over HTTP, with the committed baseline)
 * and checks that the scenarios every server must pass did pass. Takes a few seconds.
 */
import assert from "node:assert/strict";
import { REQUIRED } from "../scripts/conformance.ts";
import { root } from "../support/server.ts";

Deno.test("conformance suite passes against its baseline", async () => {
  const task = JSON.parse(Deno.readTextFileSync(`${root}deno.json`)).tasks.conformance as string;
  const words = task.split(/\s+/);
  const out = await new Deno.Command(Deno.execPath(), {
    args: words.slice(1),
    cwd: root,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(out.stdout);
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, `${stdout}\n${stderr}`);
  for (const name of REQUIRED) assert.match(stdout, new RegExp(`✓ ${name}: \\d+ passed, 0 failed`));
  assert.match(stdout, /Baseline check passed/);
});
