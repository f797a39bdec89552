/**
 * Load and soak: throughput of execute_code at concurrency 1, 4 and 8, the host's resident memory,
 * and a soak of N executions at 4-way concurrency mixing successes, Python errors, timeouts, policy
 * violations and tool calls — counting executions that got no result and processes left behind.
 */
import { descendants, isZombie, rssMb } from "../support/processes.ts";
import { execute, type TestServer } from "../support/server.ts";
import { progress, round } from "./stats.ts";

/** Throughput at one concurrency. */
export interface Throughput {
  concurrency: number;
  executions: number;
  per_second: number;
}

/** What a soak measured. */
export interface SoakFigures {
  executions: number;
  by_kind: Record<string, number>;
  without_result: number;
  unexpected: number;
  host_rss_start_mb: number;
  host_rss_end_mb: number;
  host_rss_growth_pct: number;
  /** Host RSS after the first tenth of the executions (JIT and heaps warmed up). */
  host_rss_warm_mb: number;
  /** Growth from the warmed-up figure to the end. */
  host_rss_steady_growth_pct: number;
  /** Host RSS every tenth of the way, MB. */
  host_rss_series_mb: number[];
  leaked_processes: number;
  seconds: number;
}

/** Executions per second of a small program at each concurrency. */
export async function throughput(
  server: TestServer,
  levels: number[],
  perLevel: number,
): Promise<Throughput[]> {
  const out: Throughput[] = [];
  for (const concurrency of levels) {
    progress(`throughput at concurrency ${concurrency}: ${perLevel} executions…`);
    await new Promise((r) => setTimeout(r, 1500)); // a full pool before each level
    const started = performance.now();
    await runPool(perLevel, concurrency, async () => {
      const r = await execute(server, "sum(i * i for i in range(1000))");
      if (!r.ok) throw new Error(`throughput run failed: ${r.text}`);
    });
    out.push({
      concurrency,
      executions: perLevel,
      per_second: round(perLevel / ((performance.now() - started) / 1000)),
    });
  }
  return out;
}

const KINDS: Array<
  {
    kind: string;
    code: string;
    timeout?: number;
    expect: (r: Awaited<ReturnType<typeof execute>>) => boolean;
  }
> = [
  { kind: "success", code: "print('x')\n6 * 7", expect: (r) => r.ok && r.result === 42 },
  { kind: "python_error", code: "{}['missing']", expect: (r) => r.error?.code === "RUNTIME_ERROR" },
  {
    kind: "timeout",
    code: "while True:\n    pass",
    timeout: 300,
    expect: (r) => r.error?.code === "TIMEOUT",
  },
  {
    kind: "policy_violation",
    code: "import subprocess",
    expect: (r) => r.error?.code === "POLICY_VIOLATION",
  },
  {
    kind: "tool_call",
    code: "tools.server_everything.get_sum(a=1, b=2)",
    expect: (r) => r.ok && JSON.stringify(r.result).includes("3"),
  },
];

/** Runs `n` mixed executions at 4-way concurrency; `close` stops the server afterwards. */
export async function soak(
  server: TestServer,
  n: number,
  close: () => Promise<void>,
): Promise<SoakFigures> {
  const started = performance.now();
  const seen = new Set<number>(await descendants(server.pid));
  const rssStart = await rssMb(server.pid);
  const byKind: Record<string, number> = {};
  let withoutResult = 0;
  let unexpected = 0;
  let done = 0;
  const series: number[] = [];
  const sampler = setInterval(async () => {
    for (const pid of await descendants(server.pid)) seen.add(pid);
  }, 500);
  try {
    await runPool(n, 4, async (i) => {
      const kind = KINDS[i % KINDS.length];
      let r: Awaited<ReturnType<typeof execute>> | undefined;
      try {
        r = await execute(server, kind.code, kind.timeout);
      } catch {
        r = undefined;
      }
      byKind[kind.kind] = (byKind[kind.kind] ?? 0) + 1;
      if (!r || (r.ok === undefined)) withoutResult++;
      else if (!kind.expect(r)) unexpected++;
      if (++done % 100 === 0) progress(`soak: ${done}/${n}`);
      if (done % Math.max(1, Math.floor(n / 10)) === 0) series.push(await rssMb(server.pid));
    });
  } finally {
    clearInterval(sampler);
  }
  const rssEnd = await rssMb(server.pid);
  for (const pid of await descendants(server.pid)) seen.add(pid);
  await close();
  await new Promise((r) => setTimeout(r, 1000));
  const alive = [...seen].filter((pid) => {
    try {
      Deno.kill(pid, "SIGCONT");
      return !isZombie(pid);
    } catch {
      return false;
    }
  });
  return {
    executions: n,
    by_kind: byKind,
    without_result: withoutResult,
    unexpected,
    host_rss_start_mb: rssStart,
    host_rss_end_mb: rssEnd,
    host_rss_growth_pct: round(100 * (rssEnd / rssStart - 1)),
    host_rss_warm_mb: series[0] ?? rssStart,
    host_rss_steady_growth_pct: round(100 * (rssEnd / (series[0] ?? rssStart) - 1)),
    host_rss_series_mb: series,
    leaked_processes: alive.length,
    seconds: round((performance.now() - started) / 1000),
  };
}

async function runPool(
  n: number,
  concurrency: number,
  job: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < n) await job(next++);
  }));
}
