/**
 * `deno task bench` leaves tracked files alone: without `--record` its results go to
 * `.cache/bench/` (ignored by git), with `--record` to `bench/results/` (tracked); bad flags are
 * refused with the usage.
 */
import assert from "node:assert/strict";
import { benchFlags, resultsDir } from "../bench/bench_flags.ts";
import { root } from "../support/server.ts";

async function git(...args: string[]) {
  const out = await new Deno.Command("git", { args, cwd: root, stdout: "piped", stderr: "piped" })
    .output();
  return { code: out.code, text: new TextDecoder().decode(out.stdout).trim() };
}

const relative = (url: URL) => decodeURIComponent(url.pathname).slice(root.length);

Deno.test("bench: --quick writes where git does not track, --record writes bench/results", async () => {
  const quick = benchFlags(["--quick"]);
  assert.ok(quick.ok);
  assert.deepEqual(quick.flags, { quick: true, json: false, record: false, soak: 40 });
  const scratch = relative(resultsDir(quick.flags));
  assert.equal(scratch, ".cache/bench/");
  assert.equal((await git("check-ignore", "-q", `${scratch}latest.md`)).code, 0);

  const recorded = benchFlags(["--quick", "--record"]);
  assert.ok(recorded.ok);
  assert.equal(recorded.flags.record, true);
  const tracked = relative(resultsDir(recorded.flags));
  assert.equal(tracked, "bench/results/");
  assert.equal((await git("ls-files", `${tracked}latest.md`)).text, "bench/results/latest.md");
});

Deno.test("bench: bad flags are refused with the usage", () => {
  const unknown = benchFlags(["--recrod"]);
  assert.equal(unknown.ok, false);
  assert.match(!unknown.ok ? unknown.message : "", /--recrod.*Usage: deno task bench .*--record/s);
  const soak = benchFlags(["--soak", "x"]);
  assert.match(!soak.ok ? soak.message : "", /--soak takes a whole number/);
  const defaults = benchFlags([]);
  assert.deepEqual(defaults.ok && defaults.flags, {
    quick: false,
    json: false,
    record: false,
    soak: 200,
  });
});
