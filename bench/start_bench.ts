/**
 * Bench of a fresh interpreter's cost: a sandbox child's start phase by phase (wall time and the
 * child's CPU at the end of each phase, read from `/proc`), its resident memory once ready, and
 * where the time of one warm `print(1)` goes below the MCP layer — the executor in-process (host
 * work plus the child) and the child alone (run message in, `done` out). The catalog is the size
 * of the real upstream servers' (about 18 KB), prepared ahead as the pool does.
 */
import type { ToolDispatcher, ToolRef } from "../src/contracts.ts";
import { SandboxConfigSchema } from "../src/config.ts";
import { defaultPolicy, runPolicy } from "../src/policy/policy_config.ts";
import { START_PHASES } from "../src/relay/protocol.ts";
import { SandboxChild } from "../src/sandbox_host/child.ts";
import { Executor } from "../src/sandbox_host/executor.ts";
import { emptyDir, ensureSnapshot } from "../src/sandbox_host/snapshot.ts";
import { rssMb } from "../support/processes.ts";
import { progress, round, sleep, type Stats, stats } from "./stats.ts";

/** One phase of the start: wall and CPU milliseconds it took (medians over the children). */
export interface PhaseFigures {
  name: string;
  wall_ms: number;
  cpu_ms: number;
}

/** Figures of the start bench. */
export interface StartFigures {
  phases: PhaseFigures[];
  /** From the spawn to `ready`. */
  total: { wall: Stats; cpu: Stats };
  readyChildRssMb: number;
  /** `Executor.execute("print(1)")` in-process, warm: host work plus the child. */
  executor: Stats;
  /** The child alone: from sending the run message to its `done`. */
  child: Stats;
  catalogBytes: number;
}

/** A catalog the size of the real upstream servers' (three servers, about 18 KB of JSON). */
export function benchCatalog(): ToolRef[] {
  return Array.from({ length: 36 }, (_, i) => ({
    server: `server_${i % 3}`,
    tool: `tool_${i}`,
    py_server: `server_${i % 3}`,
    py_name: `tool_${i}`,
    doc: `def tool_${i}(path: str, limit: int = 10) -> dict:\n    """` +
      "Reads the items under a path and returns them with their sizes. ".repeat(6) + '"""',
  }));
}

/** Pause between a child being ready (and prepared) and its run: it sits idle in the pool. */
const PAUSE_MS = 600;

/** Runs the start bench: `children` fresh children, `runs` warm runs. */
export async function startBench(children: number, runs: number): Promise<StartFigures> {
  const config = SandboxConfigSchema.parse({ pool_size: 1 });
  const snapshot = await ensureSnapshot(config);
  if (!snapshot.ok) throw new Error(snapshot.message);
  const cwd = await emptyDir(config);
  const catalog = benchCatalog();
  progress(`child start, phase by phase: ${children} children…`);
  const marks: SandboxChild["startPhases"][] = [];
  let readyChildRssMb = 0;
  for (let i = 0; i < children; i++) {
    const child = SandboxChild.spawn({ config, snapshot: snapshot.bytes, cwd, measureStart: true });
    const ready = await child.ready;
    if (!ready.ok) throw new Error(`a child did not start: ${ready.message}`);
    marks.push(child.startPhases);
    if (i === 0) readyChildRssMb = await rssMb(child.pid);
    child.kill();
    await child.exited;
  }
  progress(`warm print(1) below MCP: ${runs} runs in-process, ${runs} straight to a child…`);
  const child = await childRoundTrips(snapshot.bytes, cwd, catalog, runs);
  const executor = await executorRuns(catalog, runs);
  return {
    ...phaseFigures(marks),
    readyChildRssMb,
    executor,
    child,
    catalogBytes: JSON.stringify(catalog).length,
  };
}

/** Median wall and CPU of each phase the children reported, and of their whole start. */
export function phaseFigures(marks: SandboxChild["startPhases"][]) {
  const median = (values: number[]) => stats(values).median;
  const names = [...START_PHASES, "ready" as const].filter((name) =>
    marks.every((m) => m.some((p) => p.name === name))
  );
  const phases = names.map((name) => {
    const deltas = marks.map((m) => {
      const at = m.findIndex((p) => p.name === name);
      const before = at > 0 ? m[at - 1] : { wall_ms: 0, cpu_ms: 0 };
      return {
        wall: m[at].wall_ms - before.wall_ms,
        cpu: (m[at].cpu_ms ?? 0) - (before.cpu_ms ?? 0),
      };
    });
    return {
      name,
      wall_ms: median(deltas.map((d) => d.wall)),
      cpu_ms: median(deltas.map((d) => d.cpu)),
    };
  });
  const last = marks.map((m) => m.at(-1)!);
  return {
    phases,
    total: { wall: stats(last.map((p) => p.wall_ms)), cpu: stats(last.map((p) => p.cpu_ms ?? 0)) },
  };
}

/** Fresh children, each prepared with the catalog, sent one run: run message to `done`. */
async function childRoundTrips(
  snapshot: Uint8Array,
  cwd: string,
  catalog: ToolRef[],
  runs: number,
): Promise<Stats> {
  const config = SandboxConfigSchema.parse({});
  const policy = runPolicy(defaultPolicy());
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const child = SandboxChild.spawn({ config, snapshot, cwd });
    try {
      if (!(await child.ready).ok) throw new Error("a child did not start");
      child.prepare(catalog, policy);
      await sleep(PAUSE_MS); // as in the pool: the run comes some time after the child is ready
      const done = new Promise<void>((resolve) =>
        child.onEvent((e) => e.kind === "message" && e.message.type === "done" && resolve())
      );
      const started = performance.now();
      await child.send({ type: "run", id: `bench-${i}`, code: "print(1)", policy, out_bytes: 0 });
      await done;
      samples.push(performance.now() - started);
    } finally {
      child.kill();
      await child.exited;
    }
  }
  return stats(samples);
}

/** The executor in-process with a warm pool of one: `execute("print(1)")`. */
async function executorRuns(catalog: ToolRef[], runs: number): Promise<Stats> {
  const dispatcher: ToolDispatcher = {
    catalog: () => catalog,
    call: () => Promise.resolve({ ok: true, value: null }),
  };
  const made = await Executor.create(SandboxConfigSchema.parse({ pool_size: 1 }), { dispatcher });
  if (!made.ok) throw new Error(made.message);
  const executor = made.executor;
  try {
    const samples: number[] = [];
    for (let i = 0; i < runs + 1; i++) {
      await executor.pool.warmUp();
      await sleep(PAUSE_MS);
      const started = performance.now();
      const r = await executor.execute("print(1)");
      if (i > 0) samples.push(performance.now() - started); // the first: the host's JIT
      if (!r.ok) throw new Error(`bench run failed: ${JSON.stringify(r.error)}`);
    }
    return stats(samples);
  } finally {
    await executor.close();
  }
}

/** Rounds a phase table for the report. */
export function phaseRows(figures: StartFigures): string[] {
  return figures.phases.map((p) => `| ${p.name} | ${round(p.wall_ms)} | ${round(p.cpu_ms)} |`);
}
