/**
 * Admission under load: N concurrent `asyncio.sleep` executions against a server with
 * `max_concurrent` in force — the peak of live sandbox children, the peak resident memory of the
 * whole process tree, the latency of `ping` and `tools/list` meanwhile, and how the runs ended
 * (finished, or BUSY after queue_timeout_ms).
 */
import { descendantsMatching, treeRssMb } from "../support/processes.ts";
import { execute, startServer } from "../support/server.ts";
import { progress, round, sleep, type Stats, stats } from "./stats.ts";

/** What the admission bench measured. */
export interface AdmissionFigures {
  executions: number;
  sleep_s: number;
  max_concurrent: number;
  pool_size: number;
  queue_timeout_ms: number;
  /** max_concurrent + pool_size. */
  children_cap: number;
  peak_children: number;
  peak_tree_rss_mb: number;
  total_rss_budget_mb: number;
  by_code: Record<string, number>;
  ping: Stats;
  tools_list: Stats;
  seconds: number;
}

/** Runs `executions` concurrent sleeps of `sleepS` seconds and samples the host meanwhile. */
export async function admissionBench(
  executions: number,
  sleepS: number,
): Promise<AdmissionFigures> {
  const sandbox = { pool_size: 2, max_concurrent: 2, queue_timeout_ms: 30_000, total_rss_mb: 4096 };
  const server = await startServer({ config: { sandbox } });
  const started = performance.now();
  try {
    progress(`admission: ${executions} concurrent ${sleepS} s sleeps, max_concurrent 2…`);
    let done = false;
    const code = `import asyncio\nawait asyncio.sleep(${sleepS})`;
    const runs = Promise.all(Array.from({ length: executions }, () => execute(server, code)))
      .finally(() => (done = true));
    const ping: number[] = [];
    const list: number[] = [];
    let peakChildren = 0;
    let peakRss = 0;
    while (!done) {
      let t = performance.now();
      await server.client.ping();
      ping.push(performance.now() - t);
      t = performance.now();
      await server.client.listTools();
      list.push(performance.now() - t);
      const children = await descendantsMatching(server.pid, "sandbox/worker.ts");
      peakChildren = Math.max(peakChildren, children.length);
      peakRss = Math.max(peakRss, await treeRssMb(server.pid));
      await sleep(200);
    }
    const byCode: Record<string, number> = {};
    for (const r of await runs) {
      const key = r.ok ? "ok" : r.error?.code ?? "unknown";
      byCode[key] = (byCode[key] ?? 0) + 1;
    }
    return {
      executions,
      sleep_s: sleepS,
      max_concurrent: sandbox.max_concurrent,
      pool_size: sandbox.pool_size,
      queue_timeout_ms: sandbox.queue_timeout_ms,
      children_cap: sandbox.max_concurrent + sandbox.pool_size,
      peak_children: peakChildren,
      peak_tree_rss_mb: round(peakRss),
      total_rss_budget_mb: sandbox.total_rss_mb,
      by_code: byCode,
      ping: stats(ping),
      tools_list: stats(list),
      seconds: round((performance.now() - started) / 1000),
    };
  } finally {
    await server.close();
  }
}
