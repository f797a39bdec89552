/**
 * Bench of the sandbox itself: `execute_code("print(1)")` through the real MCP server, warm
 * (pool, with the real upstream servers' catalog) and cold (no pool, with and without the memory snapshot), the relay round trip with an
 * in-process echo dispatcher — alone, behind the approval gate (a tool that needs no approval)
 * and behind the gate with the audit log on — and the resident memory of a warm child.
 */
import { ApprovalConfigSchema } from "../src/approval/approval_config.ts";
import { AuditLog } from "../src/approval/audit_log.ts";
import { ApprovalGate, SessionApprovals } from "../src/approval/gate.ts";
import type { ToolDispatcher } from "../src/contracts.ts";
import { SandboxConfigSchema } from "../src/config.ts";
import { Executor } from "../src/sandbox_host/executor.ts";
import { execute, startServer } from "../support/server.ts";
import { allUpstreams } from "../support/upstreams.ts";
import { progress, round, sleep, type Stats, stats } from "./stats.ts";

/** Figures of the sandbox bench. */
export interface SandboxFigures {
  warm: Stats;
  coldSnapshot: Stats;
  coldNoSnapshot: Stats;
  relay: Stats;
  /** The same calls behind the approval gate (no approval needed, no audit log). */
  relayGated: Stats;
  /** Behind the gate with the audit log on. */
  relayAudited: Stats;
  childRssMb: number;
}

/** Runs the sandbox bench. */
export async function sandboxBench(quick: boolean): Promise<SandboxFigures> {
  const runs = quick ? { warm: 10, cold: 4, none: 2 } : { warm: 25, cold: 10, none: 4 };
  progress(`warm: ${runs.warm} runs through the MCP server (pool of 2, real upstream servers)…`);
  const dir = await Deno.makeTempDir({ prefix: "mcp-bench-warm-" });
  const warm = await endToEnd({ pool_size: 2 }, runs.warm, 1200, allUpstreams(dir))
    .finally(() => Deno.remove(dir, { recursive: true }));
  progress(`cold with snapshot: ${runs.cold} runs (pool of 0)…`);
  const coldSnapshot = await endToEnd({ pool_size: 0 }, runs.cold, 200);
  progress(`cold without snapshot: ${runs.none} runs (pool of 0, snapshot off)…`);
  const coldNoSnapshot = await endToEnd({ pool_size: 0, use_snapshot: false }, runs.none, 200);
  progress("relay round trip and warm child memory…");
  const { relay, relayGated, relayAudited, childRssMb } = await relayRoundTrip();
  return { warm, coldSnapshot, coldNoSnapshot, relay, relayGated, relayAudited, childRssMb };
}

/** End-to-end time of `print(1)` through the MCP server with the given sandbox settings. */
async function endToEnd(
  sandbox: Record<string, unknown>,
  runs: number,
  pauseMs: number,
  servers?: Record<string, unknown>,
): Promise<Stats> {
  const server = await startServer({ config: { sandbox, ...(servers ? { servers } : {}) } });
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

const ECHO: ToolDispatcher = {
  catalog: () => [{ server: "bench", tool: "echo", py_server: "bench", py_name: "echo", doc: "" }],
  call: (_ref, args) => Promise.resolve({ ok: true, value: args }),
};

/** The echo dispatcher behind an approval gate, as execute_code builds it per request. */
function gated(audit?: AuditLog): ToolDispatcher {
  return new ApprovalGate({
    inner: ECHO,
    asker: { unavailable: () => "bench", ask: () => Promise.reject(new Error("never asked")) },
    session: new SessionApprovals(),
    config: ApprovalConfigSchema.parse({}),
    audit,
  });
}

/**
 * Per-call relay round trip, timed inside Python over 500 sequential echo calls: alone, behind the
 * approval gate, and behind the gate with the audit log on (interleaved runs, samples pooled).
 */
async function relayRoundTrip(): Promise<
  { relay: Stats; relayGated: Stats; relayAudited: Stats; childRssMb: number }
> {
  const created = await Executor.create(
    SandboxConfigSchema.parse({ pool_size: 1, max_tool_calls: 1000 }),
    { dispatcher: ECHO },
  );
  if (!created.ok) throw new Error(created.message);
  const executor = created.executor;
  const dir = await Deno.makeTempDir({ prefix: "mcp-bench-audit-" });
  try {
    await executor.pool.warmUp();
    await sleep(1000);
    const ps = await new Deno.Command("ps", {
      args: ["-o", "rss=", "-p", String(executor.pool.pids[0])],
      stdout: "piped",
    }).output();
    const childRssMb = round(Number(new TextDecoder().decode(ps.stdout).trim()) / 1024);
    const audit = new AuditLog(`${dir}/audit.jsonl`);
    const samples = { plain: [] as number[], gated: [] as number[], audited: [] as number[] };
    for (let round = 0; round < 2; round++) {
      samples.plain.push(...await timedEchoes(executor, undefined));
      samples.gated.push(...await timedEchoes(executor, gated()));
      samples.audited.push(...await timedEchoes(executor, gated(audit)));
    }
    await audit.flush();
    return {
      relay: stats(samples.plain),
      relayGated: stats(samples.gated),
      relayAudited: stats(samples.audited),
      childRssMb,
    };
  } finally {
    await executor.close();
    await Deno.remove(dir, { recursive: true });
  }
}

/** 500 echo calls timed in Python (after 20 to warm up), through `dispatcher` when given. */
async function timedEchoes(executor: Executor, dispatcher?: ToolDispatcher): Promise<number[]> {
  const r = await executor.execute(
    "import time\nsamples = []\nfor i in range(520):\n    t = time.perf_counter()\n    tools.bench.echo(i=i)\n" +
      "    samples.append((time.perf_counter() - t) * 1000)\nsamples[20:]",
    { timeoutMs: 60_000, dispatcher },
  );
  if (!r.ok) throw new Error(`relay bench failed: ${JSON.stringify(r.error)}`);
  return r.result as number[];
}
