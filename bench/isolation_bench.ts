/**
 * Bench of worker isolation's fresh interpreter: one long-lived worker-isolation child serves
 * interpreters one after another (each prepared with the catalog and sent `print(1)`, as the pool
 * does); per interpreter, the time and the child's CPU from the host's release to the next
 * `ready` (the old Worker's end, the fence, the new Worker's module, Pyodide restored from the
 * snapshot), phase by phase, and the child's resident memory after them all.
 */
import { defaultPolicy, runPolicy } from "../src/policy/policy_config.ts";
import type { SandboxChild } from "../src/sandbox_host/child.ts";
import { processCpuMs } from "../src/sandbox_host/process_cpu.ts";
import { spawnChild } from "../support/children.ts";
import { rssMb } from "../support/processes.ts";
import { benchCatalog, type PhaseFigures, phaseFigures } from "./start_bench.ts";
import { progress, sleep, type Stats, stats } from "./stats.ts";

/** Figures of the worker-isolation bench. */
export interface IsolationFigures {
  /** From the release of one interpreter to the next one's `ready`. */
  interpreter: { wall: Stats; cpu: Stats };
  phases: PhaseFigures[];
  /** The child's resident memory after all interpreters. */
  childRssMb: number;
}

/** Pause between an interpreter being ready and its run (it sits idle, as in the pool). */
const PAUSE_MS = 100;

/** Runs `cycles` interpreters in one worker-isolation child. */
export async function isolationBench(cycles: number): Promise<IsolationFigures> {
  progress(`worker isolation: ${cycles} fresh interpreters in one child…`);
  const settings = { isolation: "worker", recycle_after: cycles + 1 };
  const child = await spawnChild(settings, { measureStart: true });
  const catalog = benchCatalog();
  const policy = runPolicy(defaultPolicy());
  const walls: number[] = [], cpus: number[] = [];
  const marks: SandboxChild["startPhases"][] = [];
  try {
    if (!(await child.ready).ok) throw new Error("the worker-isolation child did not start");
    for (let i = 0; i < cycles; i++) {
      child.prepare(catalog, policy);
      await sleep(PAUSE_MS);
      await runOnce(child, `bench-${i}`, policy);
      const cpu = processCpuMs(child.pid) ?? 0;
      const started = performance.now();
      child.release();
      if (!(await child.nextInterpreter())) throw new Error("the child did not recycle");
      walls.push(performance.now() - started);
      // CPU since the release (the marks count from the child's spawn).
      marks.push(child.startPhases.map((p) => ({ ...p, cpu_ms: (p.cpu_ms ?? 0) - cpu })));
      cpus.push(marks.at(-1)!.at(-1)!.cpu_ms ?? 0);
    }
    return {
      interpreter: { wall: stats(walls), cpu: stats(cpus) },
      phases: phaseFigures(marks).phases,
      childRssMb: await rssMb(child.pid),
    };
  } finally {
    child.kill();
    await child.exited;
  }
}

function runOnce(
  child: SandboxChild,
  id: string,
  policy: ReturnType<typeof runPolicy>,
): Promise<void> {
  const done = new Promise<void>((resolve) =>
    child.onEvent((e) => e.kind === "message" && e.message.type === "done" && resolve())
  );
  void child.send({ type: "run", id, code: "print(1)", policy, out_bytes: 0 });
  return done;
}
