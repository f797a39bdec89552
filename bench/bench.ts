/**
 * `deno task bench`: latency of `execute_code("print(1)")` through the real MCP server, warm
 * (pool) and cold (no pool, with and without the memory snapshot), the relay round trip, and the
 * memory of a warm child. Prints a table and ratios measured in this one run; `--json` also prints
 * one JSON object as the last stdout line.
 */
import { SandboxConfigSchema } from "../src/config.ts";
import { Executor } from "../src/sandbox_host/executor.ts";
import { execute, startServer } from "../tests/support/server.ts";

const json = Deno.args.includes("--json");
const quick = Deno.args.includes("--quick");
const WARM_RUNS = quick ? 10 : 25;
const COLD_RUNS = quick ? 4 : 10;
const COLD_NO_SNAPSHOT_RUNS = quick ? 2 : 4;

interface Stats {
  median: number;
  p90: number;
  n: number;
}

function stats(samples: number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { median: round(at(0.5)), p90: round(at(0.9)), n: sorted.length };
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

function progress(message: string): void {
  Deno.stderr.writeSync(new TextEncoder().encode(`[bench] ${message}\n`));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** End-to-end time of `print(1)` through the MCP server with the given sandbox settings. */
async function endToEnd(
  sandbox: Record<string, unknown>,
  runs: number,
  pauseMs: number,
): Promise<Stats> {
  const server = await startServer({ config: { sandbox } });
  try {
    await execute(server, "print(1)"); // first call: pool fill, JIT of the host path
    const samples: number[] = [];
    for (let i = 0; i < runs; i++) {
      await sleep(pauseMs); // let the pool replace the child the last run used
      const started = performance.now();
      const r = await execute(server, "print(1)");
      samples.push(performance.now() - started);
      if (!r.ok) throw new Error(`bench run failed: ${r.text}`);
    }
    return stats(samples);
  } finally {
    await server.close();
  }
}

/** Per-call relay round trip, timed inside Python over 500 sequential echo calls. */
async function relayRoundTrip(): Promise<{ perCall: Stats; rssMb: number }> {
  const created = await Executor.create(
    SandboxConfigSchema.parse({ pool_size: 1, max_tool_calls: 1000 }),
    {
      dispatcher: {
        catalog:
          () => [{ server: "bench", tool: "echo", py_server: "bench", py_name: "echo", doc: "" }],
        call: (_ref, args) => Promise.resolve({ ok: true, value: args }),
      },
    },
  );
  if (!created.ok) throw new Error(created.message);
  const executor = created.executor;
  try {
    await executor.pool.warmUp();
    await sleep(1000);
    const rss = await new Deno.Command("ps", {
      args: ["-o", "rss=", "-p", String(executor.pool.pids[0])],
      stdout: "piped",
    })
      .output();
    const rssMb = round(Number(new TextDecoder().decode(rss.stdout).trim()) / 1024);
    const r = await executor.execute(
      "import time\nsamples = []\nfor i in range(500):\n    t = time.perf_counter()\n    tools.bench.echo(i=i)\n" +
        "    samples.append((time.perf_counter() - t) * 1000)\nsamples",
      { timeoutMs: 60_000 },
    );
    if (!r.ok) throw new Error(`relay bench failed: ${JSON.stringify(r.error)}`);
    return { perCall: stats((r.result as number[]).slice(20)), rssMb };
  } finally {
    await executor.close();
  }
}

progress(`warm: ${WARM_RUNS} runs through the MCP server (pool of 2)…`);
const warm = await endToEnd({ pool_size: 2 }, WARM_RUNS, 1200);
progress(`cold with snapshot: ${COLD_RUNS} runs (pool of 0)…`);
const coldSnapshot = await endToEnd({ pool_size: 0 }, COLD_RUNS, 200);
progress(`cold without snapshot: ${COLD_NO_SNAPSHOT_RUNS} runs (pool of 0, snapshot off)…`);
const coldNoSnapshot = await endToEnd(
  { pool_size: 0, use_snapshot: false },
  COLD_NO_SNAPSHOT_RUNS,
  200,
);
progress("relay round trip and warm child memory…");
const relay = await relayRoundTrip();

const figures = {
  warm_exec_p50_ms: warm.median,
  warm_exec_p90_ms: warm.p90,
  cold_snapshot_p50_ms: coldSnapshot.median,
  cold_snapshot_p90_ms: coldSnapshot.p90,
  cold_no_snapshot_p50_ms: coldNoSnapshot.median,
  cold_no_snapshot_p90_ms: coldNoSnapshot.p90,
  cold_over_warm_ratio: round(coldNoSnapshot.median / warm.median),
  cold_snapshot_over_warm_ratio: round(coldSnapshot.median / warm.median),
  relay_round_trip_p50_ms: relay.perCall.median,
  relay_round_trip_p90_ms: relay.perCall.p90,
  warm_child_rss_mb: relay.rssMb,
};

const rows = [
  ["warm execute_code (pool)", warm, "1.00×"],
  ["cold, snapshot, no pool", coldSnapshot, `${figures.cold_snapshot_over_warm_ratio}× warm`],
  ["cold, no snapshot, no pool", coldNoSnapshot, `${figures.cold_over_warm_ratio}× warm`],
  ["relay round trip (per call, in Python)", relay.perCall, ""],
] as const;
const lines = [
  `MCP Code Mode bench — Deno ${Deno.version.deno}, ${navigator.hardwareConcurrency} cores, ${
    new Date().toISOString()
  }`,
  "",
  "| measure | median ms | p90 ms | n | ratio |",
  "|---|---:|---:|---:|---|",
  ...rows.map(([name, s, ratio]) => `| ${name} | ${s.median} | ${s.p90} | ${s.n} | ${ratio} |`),
  "",
  `warm child RSS: ${relay.rssMb} MB`,
];
console.log(lines.join("\n"));
if (json) console.log(JSON.stringify(figures));
