/**
 * `deno task bench [--quick] [--json] [--soak N] [--record]`: the benchmark suite. Measures the sandbox
 * (a child's start phase by phase with its CPU, where a warm run's time goes, warm, cold, relay,
 * child memory), code mode over real upstream servers (a tool call from Python
 * vs a direct SDK call, gather speed-up, description tokens), the token economy against classic
 * tool calling, throughput and host memory, admission under 100 concurrent long runs (peak
 * children, peak tree memory, ping latency), worker isolation (a fresh interpreter's cost and
 * throughput), and a soak; every figure is a median and p90 and, where
 * it has a baseline, a ratio measured in this same run. Writes latest.{md,json} to .cache/bench/
 * (untracked), or with --record to bench/results/ (tracked: the figures the README quotes); with
 * --json the last stdout line is the JSON object.
 */
import { SandboxConfigSchema } from "../src/config.ts";
import { startServer } from "../support/server.ts";
import { allUpstreams } from "../support/upstreams.ts";
import { rssMb } from "../support/processes.ts";
import { benchFlags, resultsDir } from "./bench_flags.ts";
import { admissionBench } from "./admission_bench.ts";
import { isolationBench } from "./isolation_bench.ts";
import { soak, throughput } from "./load_bench.ts";
import { sandboxBench } from "./sandbox_bench.ts";
import { sessionBench } from "./session_bench.ts";
import { phaseRows, startBench } from "./start_bench.ts";
import { progress, round } from "./stats.ts";
import { tokenEconomy } from "./token_economy.ts";
import { tokenMarkdown } from "./token_report.ts";
import { upstreamBench } from "./upstream_bench.ts";

const parsed = benchFlags(Deno.args);
if (!parsed.ok) {
  console.error(parsed.message);
  Deno.exit(2);
}
const { quick, soak: soakCount } = parsed.flags;
const started = performance.now();

const start = await startBench(quick ? 6 : 12, quick ? 10 : 25);
const isolation = await isolationBench(quick ? 10 : 30);
const sandbox = await sandboxBench(quick);
const session = await sessionBench(quick);
const upstream = await upstreamBench(quick ? 100 : 300);
const admission = quick ? await admissionBench(30, 3) : await admissionBench(100, 20);

const base = await Deno.makeTempDir({ prefix: "mcp-bench-economy-" });
const root = `${base}/tree`;
await Deno.mkdir(root);
const upstreams = allUpstreams(root);
const throughputMaxConcurrent = SandboxConfigSchema.parse({}).max_concurrent;
const server = await startServer({
  config: {
    servers: upstreams,
    sandbox: { pool_size: 2, max_tool_calls: 1000, max_concurrent: throughputMaxConcurrent },
  },
  env: { OPENAI_API_KEY: "", OPENAI_BASE_URL: "" }, // run_agent unlisted, as without an LLM
});
let closed = false;
const close = async () => {
  if (!closed) await server.close();
  closed = true;
};
let economy, load, workerLoad, workerSoaked, hostRss, soaked;
try {
  economy = await tokenEconomy(server, root, upstreams);
  load = await throughput(server, [1, 4, 8], quick ? 12 : 32);
  hostRss = await rssMb(server.pid);
  progress(`soak: ${soakCount} executions at 4-way concurrency…`);
  soaked = await soak(server, soakCount, close);
  progress("throughput in worker isolation…");
  const workers = await startServer({
    config: {
      servers: upstreams,
      sandbox: {
        pool_size: 2,
        max_tool_calls: 1000,
        max_concurrent: throughputMaxConcurrent,
        isolation: "worker",
      },
    },
    env: { OPENAI_API_KEY: "", OPENAI_BASE_URL: "" },
  });
  let workersClosed = false;
  const closeWorkers = async () => {
    if (!workersClosed) await workers.close();
    workersClosed = true;
  };
  try {
    workerLoad = await throughput(workers, [1, 4, 8], quick ? 12 : 32);
    progress(`soak in worker isolation: ${soakCount} executions at 4-way concurrency…`);
    workerSoaked = await soak(workers, soakCount, closeWorkers);
  } finally {
    await closeWorkers();
  }
} finally {
  await close();
  await Deno.remove(base, { recursive: true });
}

const figures = {
  child_start_phases: start.phases,
  child_start_wall_p50_ms: start.total.wall.median,
  child_start_cpu_p50_ms: start.total.cpu.median,
  ready_child_rss_mb: start.readyChildRssMb,
  warm_executor_p50_ms: start.executor.median,
  warm_child_round_trip_p50_ms: start.child.median,
  warm_exec_p50_ms: sandbox.warm.median,
  warm_exec_p90_ms: sandbox.warm.p90,
  cold_snapshot_p50_ms: sandbox.coldSnapshot.median,
  cold_snapshot_p90_ms: sandbox.coldSnapshot.p90,
  cold_no_snapshot_p50_ms: sandbox.coldNoSnapshot.median,
  cold_no_snapshot_p90_ms: sandbox.coldNoSnapshot.p90,
  cold_over_warm_ratio: round(sandbox.coldNoSnapshot.median / sandbox.warm.median),
  cold_snapshot_over_warm_ratio: round(sandbox.coldSnapshot.median / sandbox.warm.median),
  session_start_p50_ms: session.start.median,
  session_resumed_p50_ms: session.resumed.median,
  session_resumed_p90_ms: session.resumed.p90,
  session_idle_child_rss_mb: session.idleChildRssMb,
  relay_round_trip_p50_ms: sandbox.relay.median,
  relay_round_trip_p90_ms: sandbox.relay.p90,
  relay_gated_p50_ms: sandbox.relayGated.median,
  relay_audited_p50_ms: sandbox.relayAudited.median,
  relay_gated_ratio: round(sandbox.relayGated.median / sandbox.relay.median),
  relay_audited_ratio: round(sandbox.relayAudited.median / sandbox.relay.median),
  direct_call_p50_ms: upstream.direct.median,
  python_call_p50_ms: upstream.fromPython.median,
  relay_overhead_ratio: upstream.relayOverheadRatio,
  gather_sequential_ms: upstream.sequentialMs,
  gather_gathered_ms: upstream.gatheredMs,
  gather_speedup: upstream.gatherSpeedup,
  description_tokens: upstream.descriptionTokens,
  tools_list_tokens: upstream.toolsListTokens,
  classic_tokens: economy.classic,
  code_mode_tokens: economy.code,
  token_saving_pct: economy.saving_pct,
  classic_billed_tokens: economy.classic_billed,
  code_mode_billed_tokens: economy.code_billed,
  billed_saving_pct: economy.billed_saving_pct,
  tool_list_tokens: economy.code_tool_list_tokens,
  search_line_avg_tokens: economy.search_line_avg_tokens,
  throughput_per_s: Object.fromEntries(load.map((t) => [`c${t.concurrency}`, t.per_second])),
  throughput_max_concurrent: throughputMaxConcurrent,
  worker_throughput_per_s: Object.fromEntries(
    workerLoad.map((t) => [`c${t.concurrency}`, t.per_second]),
  ),
  worker_interpreter_wall_p50_ms: isolation.interpreter.wall.median,
  worker_interpreter_cpu_p50_ms: isolation.interpreter.cpu.median,
  worker_interpreter_phases: isolation.phases,
  worker_child_rss_mb: isolation.childRssMb,
  worker_soak_executions: workerSoaked.executions,
  worker_soak_without_result: workerSoaked.without_result,
  worker_soak_unexpected: workerSoaked.unexpected,
  worker_soak_leaked_processes: workerSoaked.leaked_processes,
  host_rss_mb: hostRss,
  warm_child_rss_mb: sandbox.childRssMb,
  soak_executions: soaked.executions,
  soak_without_result: soaked.without_result,
  soak_unexpected: soaked.unexpected,
  soak_host_rss_start_mb: soaked.host_rss_start_mb,
  soak_host_rss_end_mb: soaked.host_rss_end_mb,
  soak_host_rss_growth_pct: soaked.host_rss_growth_pct,
  soak_host_rss_steady_growth_pct: soaked.host_rss_steady_growth_pct,
  soak_host_rss_series_mb: soaked.host_rss_series_mb,
  leaked_processes: soaked.leaked_processes,
  admission_executions: admission.executions,
  admission_children_cap: admission.children_cap,
  admission_peak_children: admission.peak_children,
  admission_peak_tree_rss_mb: admission.peak_tree_rss_mb,
  admission_by_code: admission.by_code,
  admission_ping_p50_ms: admission.ping.median,
  admission_ping_p90_ms: admission.ping.p90,
  admission_tools_list_p50_ms: admission.tools_list.median,
  admission_tools_list_p90_ms: admission.tools_list.p90,
  total_seconds: round((performance.now() - started) / 1000),
};

const row = (name: string, s: { median: number; p90: number; n: number }, ratio = "") =>
  `| ${name} | ${s.median} | ${s.p90} | ${s.n} | ${ratio} |`;
const markdown = [
  `MCP Code Mode bench${quick ? " (quick)" : ""} — Deno ${Deno.version.deno}, ` +
  `${navigator.hardwareConcurrency} cores, ${new Date().toISOString()}`,
  "",
  "| latency | median ms | p90 ms | n | ratio |",
  "|---|---:|---:|---:|---|",
  row('warm `execute_code("print(1)")` (pool)', sandbox.warm, "1.00×"),
  row(
    "cold, snapshot, no pool",
    sandbox.coldSnapshot,
    `${figures.cold_snapshot_over_warm_ratio}× warm`,
  ),
  row(
    "cold, no snapshot, no pool",
    sandbox.coldNoSnapshot,
    `${figures.cold_over_warm_ratio}× warm`,
  ),
  row("session start (first call, child from the pool)", session.start),
  row(
    'session, later calls `execute_code("print(1)")`',
    session.resumed,
    `${round(session.resumed.median / sandbox.warm.median)}× warm`,
  ),
  row("relay round trip, echo tool (timed in Python)", sandbox.relay, "1.00×"),
  row(
    "the same behind the approval gate (no approval needed)",
    sandbox.relayGated,
    `${figures.relay_gated_ratio}× relay`,
  ),
  row(
    "the same with the audit log on",
    sandbox.relayAudited,
    `${figures.relay_audited_ratio}× relay`,
  ),
  row("filesystem read_text_file, direct SDK client", upstream.direct, "1.00×"),
  row(
    "filesystem read_text_file from Python",
    upstream.fromPython,
    `${upstream.relayOverheadRatio}× direct`,
  ),
  "",
  `| a fresh child's start (median of ${start.total.wall.n}) | wall ms | CPU ms |`,
  "|---|---:|---:|",
  ...phaseRows(start),
  `| **spawn to ready** | **${start.total.wall.median}** | **${start.total.cpu.median}** |`,
  "",
  `- a ready child: ${start.readyChildRssMb} MB resident; CPU from /proc, in 10 ms ticks`,
  "",
  `| worker isolation: a fresh interpreter (median of ${isolation.interpreter.wall.n}) | wall ms ` +
  "| CPU ms |",
  "|---|---:|---:|",
  ...isolation.phases.map((p) => `| ${p.name} | ${round(p.wall_ms)} | ${round(p.cpu_ms)} |`),
  `| **release to ready** | **${isolation.interpreter.wall.median}** | ` +
  `**${isolation.interpreter.cpu.median}** |`,
  "",
  `- the worker-isolation child after ${isolation.interpreter.wall.n} interpreters: ` +
  `${isolation.childRssMb} MB resident`,
  `- warm \`print(1)\`, where the time goes (catalog of ${start.catalogBytes} bytes, prepared ` +
  `ahead): through the MCP server ${sandbox.warm.median} ms, the executor in-process ` +
  `${start.executor.median} ms, the child alone (run message to \`done\`) ${start.child.median} ms; ` +
  `so the MCP layer (both ends) ~${round(sandbox.warm.median - start.executor.median)} ms, the ` +
  `host's own work ~${round(start.executor.median - start.child.median)} ms`,
  "",
  ...tokenMarkdown(economy),
  "",
  `- 20 calls of a 100 ms tool: ${upstream.sequentialMs} ms sequential, ${upstream.gatheredMs} ms with ` +
  `asyncio.gather (${upstream.gatherSpeedup}× faster)`,
  `- execute_code description: ${upstream.descriptionTokens} tokens; raw tools/list of the same servers: ` +
  `${upstream.toolsListTokens}`,
  `- throughput (fresh-interpreter executions/s, max_concurrent ${throughputMaxConcurrent}): ${
    load.map((t) => `${t.per_second} at concurrency ${t.concurrency}`).join(", ")
  }; in worker isolation ${
    workerLoad.map((t) => `${t.per_second} at concurrency ${t.concurrency}`).join(", ")
  }`,
  `- resident memory: host ${hostRss} MB, warm child ${sandbox.childRssMb} MB, idle session ` +
  `child ${session.idleChildRssMb} MB`,
  `- soak: ${soaked.executions} executions in ${soaked.seconds} s (${
    JSON.stringify(soaked.by_kind)
  }), ` +
  `${soaked.without_result} without a result, ${soaked.unexpected} unexpected, host RSS ` +
  `${soaked.host_rss_start_mb} → ${soaked.host_rss_end_mb} MB (${soaked.host_rss_growth_pct}%; ` +
  `${soaked.host_rss_steady_growth_pct}% after the first tenth; every tenth: ` +
  `${soaked.host_rss_series_mb.join(", ")}), ` +
  `${soaked.leaked_processes} leaked processes`,
  `- soak in worker isolation: ${workerSoaked.executions} executions in ${workerSoaked.seconds} s, ` +
  `${workerSoaked.without_result} without a result, ${workerSoaked.unexpected} unexpected, ` +
  `${workerSoaked.leaked_processes} leaked processes`,
  `- admission: ${admission.executions} concurrent ${admission.sleep_s} s sleeps with ` +
  `max_concurrent ${admission.max_concurrent}, pool ${admission.pool_size}: peak ` +
  `${admission.peak_children} sandbox children (cap ${admission.children_cap}), peak tree RSS ` +
  `${admission.peak_tree_rss_mb} MB (budget ${admission.total_rss_budget_mb} MB for the children), ` +
  `outcomes ${JSON.stringify(admission.by_code)} (BUSY after queue_timeout_ms ` +
  `${admission.queue_timeout_ms}); meanwhile ping ${admission.ping.median} ms median / ` +
  `${admission.ping.p90} ms p90, tools/list ${admission.tools_list.median} / ` +
  `${admission.tools_list.p90} ms (n ${admission.ping.n})`,
].join("\n");

const results = resultsDir(parsed.flags);
await Deno.mkdir(results, { recursive: true });
await Deno.writeTextFile(new URL("latest.md", results), markdown + "\n");
await Deno.writeTextFile(
  new URL("latest.json", results),
  JSON.stringify({ ...figures, economy: economy.figures }, null, 2) + "\n",
);
console.log(markdown);
if (parsed.flags.json) console.log(JSON.stringify(figures));
