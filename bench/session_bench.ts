/**
 * Bench of sandbox sessions through the real MCP server: the cost of starting a session (its first
 * call, the child taken from a warm pool of 2), the later calls of a session (`print(1)`), and
 * the resident memory of an idle session child.
 */
import { childPids, rssMb } from "../support/processes.ts";
import { startServer } from "../support/server.ts";
import { run } from "../support/sessions.ts";
import { progress, sleep, type Stats, stats } from "./stats.ts";

/** Figures of the session bench. */
export interface SessionFigures {
  /** First call of a new session (`print(1)`), end to end. */
  start: Stats;
  /** Second and later calls of one session (`print(1)`), end to end. */
  resumed: Stats;
  /** Resident memory of an idle session child. */
  idleChildRssMb: number;
}

/** Runs the session bench. */
export async function sessionBench(quick: boolean): Promise<SessionFigures> {
  const runs = quick ? { start: 6, resumed: 40 } : { start: 12, resumed: 200 };
  progress(`sessions: ${runs.start} starts, ${runs.resumed} resumed calls…`);
  const server = await startServer({
    config: { sandbox: { pool_size: 2 }, sessions: { max_per_connection: 64, max_total: 64 } },
  });
  try {
    await run(server.client, "print(1)"); // pool fill, JIT of the host path
    const starts: number[] = [];
    for (let i = 0; i < runs.start; i++) {
      await sleep(1200); // let the pool replace the child the last session took
      const started = performance.now();
      const r = await run(server.client, "print(1)", { session: `s${i % 3}`, reset: true });
      starts.push(performance.now() - started);
      if (r.session?.state !== "new") throw new Error(`bench session did not start: ${r.text}`);
    }
    const resumed: number[] = [];
    for (let i = 0; i < runs.resumed; i++) {
      const started = performance.now();
      const r = await run(server.client, "print(1)", { session: "s0" });
      resumed.push(performance.now() - started);
      if (r.session?.state !== "resumed") throw new Error(`bench session lost: ${r.text}`);
    }
    return { start: stats(starts), resumed: stats(resumed), idleChildRssMb: await idleRss() };
  } finally {
    await server.close();
  }
}

/** Resident memory of an idle session child (no pool: the session's is the only child). */
async function idleRss(): Promise<number> {
  const server = await startServer({ config: { sandbox: { pool_size: 0 } } });
  try {
    await run(server.client, "data = list(range(1000))\nprint(len(data))", { session: "memory" });
    await sleep(500);
    const [child] = await childPids(server.pid);
    return child ? await rssMb(child) : NaN;
  } finally {
    await server.close();
  }
}
