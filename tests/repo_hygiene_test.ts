/**
 * What a user keeps in the project folder stays theirs, and the suite cannot change the lock: saved
 * skills, the workspace and caches are ignored by git; `deno task test` (and CI, which runs it)
 * runs with the lockfile frozen.
 */
import assert from "node:assert/strict";
import { root } from "../support/server.ts";

Deno.test("repo: skills/, workspace/ and .cache/ are ignored by git", async () => {
  const out = await new Deno.Command("git", {
    args: ["check-ignore", "skills/x.py", "workspace/x.txt", ".cache/x"],
    cwd: root,
    stdout: "piped",
  }).output();
  assert.deepEqual(
    new TextDecoder().decode(out.stdout).trim().split("\n"),
    ["skills/x.py", "workspace/x.txt", ".cache/x"],
  );
});

Deno.test("repo: deno task test runs with the lockfile frozen, and CI runs that task", async () => {
  const tasks = JSON.parse(await Deno.readTextFile(`${root}deno.json`)).tasks;
  assert.match(tasks.test, /^deno test --frozen /);
  assert.match(await Deno.readTextFile(`${root}.ci/run`), /^deno task test$/m);
});
