/**
 * A sandbox child's start, phase by phase (src/sandbox_host/child.ts, sandbox/worker.ts): the
 * child reports the end of each phase in order, the host stamps each with the time since the spawn
 * and, when asked, the child's CPU so far; and the `/proc` line parser those figures come from.
 */
import assert from "node:assert/strict";
import { cpuMsFromStat, processCpuMs } from "../../src/sandbox_host/process_cpu.ts";
import { spawnChild } from "../../support/children.ts";

Deno.test("a child reports each start phase in order, with time and CPU", async () => {
  const child = await spawnChild({}, { measureStart: true });
  try {
    const ready = await child.ready;
    assert.ok(ready.ok, !ready.ok ? ready.message : "");
    const phases = child.startPhases;
    assert.deepEqual(phases.map((p) => p.name), [
      "boot",
      "snapshot",
      "pyodide",
      "warm_up",
      "ready",
    ]);
    for (let i = 1; i < phases.length; i++) {
      assert.ok(phases[i].wall_ms >= phases[i - 1].wall_ms, JSON.stringify(phases));
      if (Deno.build.os === "linux") {
        assert.ok(phases[i].cpu_ms! >= phases[i - 1].cpu_ms!, JSON.stringify(phases));
      }
    }
    if (Deno.build.os === "linux") assert.ok(phases.at(-1)!.cpu_ms! > 0, JSON.stringify(phases));
  } finally {
    child.kill();
    await child.exited;
  }
});

Deno.test("a child that is not measured reports its phases without CPU", async () => {
  const child = await spawnChild();
  try {
    assert.ok((await child.ready).ok);
    assert.equal(child.startPhases.length, 5);
    assert.equal(child.startPhases.some((p) => "cpu_ms" in p), false);
  } finally {
    child.kill();
    await child.exited;
  }
});

Deno.test("cpuMsFromStat reads utime + stime, even with spaces and parentheses in the name", () => {
  const fields = "S 1 2 3 4 5 6 7 8 9 10 123 45 0 0 20 0 9 0 100 2000 300";
  assert.equal(cpuMsFromStat(`4242 (deno) ${fields}`), 1680);
  assert.equal(cpuMsFromStat(`4242 (a (b) c) ${fields}`), 1680);
  assert.equal(cpuMsFromStat("4242 (deno) S 1"), undefined);
});

Deno.test("processCpuMs of this process is a figure on Linux, and nothing for no process", () => {
  const mine = processCpuMs(Deno.pid);
  if (Deno.build.os === "linux") assert.ok(mine !== undefined && mine >= 0);
  assert.equal(processCpuMs(2 ** 30), undefined);
});
