/**
 * `deno task bench`: prints a table of medians, p90s and ratios measured in this one run —
 * the sandbox (warm, cold, relay, child memory) and code mode over real upstream servers (a tool
 * call from Python vs a direct SDK call, gather speed-up, description tokens). `--quick` runs
 * fewer samples; `--json` also prints one JSON object as the last stdout line.
 */
import { sandboxBench } from "./sandbox_bench.ts";
import { round } from "./stats.ts";
import { upstreamBench } from "./upstream_bench.ts";

const json = Deno.args.includes("--json");
const quick = Deno.args.includes("--quick");

const sandbox = await sandboxBench(quick);
const upstream = await upstreamBench(quick ? 100 : 300);

const figures = {
  warm_exec_p50_ms: sandbox.warm.median,
  warm_exec_p90_ms: sandbox.warm.p90,
  cold_snapshot_p50_ms: sandbox.coldSnapshot.median,
  cold_no_snapshot_p50_ms: sandbox.coldNoSnapshot.median,
  cold_over_warm_ratio: round(sandbox.coldNoSnapshot.median / sandbox.warm.median),
  cold_snapshot_over_warm_ratio: round(sandbox.coldSnapshot.median / sandbox.warm.median),
  relay_round_trip_p50_ms: sandbox.relay.median,
  warm_child_rss_mb: sandbox.childRssMb,
  direct_call_p50_ms: upstream.direct.median,
  python_call_p50_ms: upstream.fromPython.median,
  relay_overhead_ratio: upstream.relayOverheadRatio,
  gather_sequential_ms: upstream.sequentialMs,
  gather_gathered_ms: upstream.gatheredMs,
  gather_speedup: upstream.gatherSpeedup,
  description_tokens: upstream.descriptionTokens,
  tools_list_tokens: upstream.toolsListTokens,
};

const row = (name: string, s: { median: number; p90: number; n: number }, ratio = "") =>
  `| ${name} | ${s.median} | ${s.p90} | ${s.n} | ${ratio} |`;
console.log([
  `MCP Code Mode bench — Deno ${Deno.version.deno}, ${navigator.hardwareConcurrency} cores, ${
    new Date().toISOString()
  }`,
  "",
  "| measure | median ms | p90 ms | n | ratio |",
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
  row("relay round trip, echo tool (timed in Python)", sandbox.relay),
  row("filesystem read_text_file, direct SDK client", upstream.direct, "1.00×"),
  row(
    "filesystem read_text_file from Python",
    upstream.fromPython,
    `${upstream.relayOverheadRatio}× direct`,
  ),
  "",
  `20 calls of a 100 ms tool: ${upstream.sequentialMs} ms sequential, ${upstream.gatheredMs} ms with asyncio.gather ` +
  `(${upstream.gatherSpeedup}× faster)`,
  `execute_code description: ${upstream.descriptionTokens} tokens (o200k) vs ${upstream.toolsListTokens} for the raw ` +
  `tools/list of the same servers`,
  `warm child RSS: ${sandbox.childRssMb} MB`,
].join("\n"));
if (json) console.log(JSON.stringify(figures));
