/**
 * Bench of code mode against real upstream servers: a filesystem tool called from Python vs the
 * same call made directly by an SDK client, asyncio.gather vs sequential calls of a 100 ms tool,
 * and the tokens of execute_code's description vs the raw tools/list of the same servers.
 */
import { countTokens } from "gpt-tokenizer";
import { Client, StdioClientTransport } from "../src/mcp_sdk.ts";
import { execute, startServer } from "../support/server.ts";
import { allUpstreams } from "../support/upstreams.ts";
import { progress, round, type Stats, stats } from "./stats.ts";

/** Figures of the upstream bench. */
export interface UpstreamFigures {
  direct: Stats;
  fromPython: Stats;
  relayOverheadRatio: number;
  sequentialMs: number;
  gatheredMs: number;
  gatherSpeedup: number;
  descriptionTokens: number;
  toolsListTokens: number;
}

/** Runs the upstream bench with `calls` sequential calls per side. */
export async function upstreamBench(calls: number): Promise<UpstreamFigures> {
  const dir = await Deno.makeTempDir({ prefix: "mcp-bench-" });
  await Deno.writeTextFile(`${dir}/data.txt`, "x".repeat(1000));
  try {
    progress(`direct SDK client → server-filesystem: ${calls} read_text_file calls…`);
    const { samples: directSamples, toolsListTokens } = await directCalls(dir, calls);
    const server = await startServer({
      config: { servers: allUpstreams(dir), sandbox: { pool_size: 2, max_tool_calls: 10_000 } },
    });
    try {
      const { tools } = await server.client.listTools();
      const description = tools.find((t) => t.name === "execute_code")?.description ?? "";
      progress(`from Python through execute_code: ${calls} read_text_file calls…`);
      const timed = await execute(
        server,
        "import time\nsamples = []\n" +
          `for i in range(${calls + 20}):\n    t = time.perf_counter()\n` +
          `    tools.filesystem.read_text_file(path=${JSON.stringify(`${dir}/data.txt`)})\n` +
          "    samples.append((time.perf_counter() - t) * 1000)\nsamples[20:]",
        120_000,
      );
      if (!timed.ok) throw new Error(`python calls failed: ${timed.text}`);
      progress("20 calls of a 100 ms tool, sequential and gathered…");
      const gather = await execute(
        server,
        "import asyncio, time\nop = tools.server_everything.trigger_long_running_operation\n" +
          "t = time.perf_counter()\nfor _ in range(20):\n    op(duration=0.1, steps=1)\n" +
          "sequential = (time.perf_counter() - t) * 1000\nt = time.perf_counter()\n" +
          "await asyncio.gather(*(op.aio(duration=0.1, steps=1) for _ in range(20)))\n" +
          "[sequential, (time.perf_counter() - t) * 1000]",
        120_000,
      );
      if (!gather.ok) throw new Error(`gather bench failed: ${gather.text}`);
      const [sequentialMs, gatheredMs] = gather.result as [number, number];
      const direct = stats(directSamples);
      const fromPython = stats(timed.result as number[]);
      return {
        direct,
        fromPython,
        relayOverheadRatio: round(fromPython.median / direct.median),
        sequentialMs: round(sequentialMs),
        gatheredMs: round(gatheredMs),
        gatherSpeedup: round(sequentialMs / gatheredMs),
        descriptionTokens: countTokens(description),
        toolsListTokens,
      };
    } finally {
      await server.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function directCalls(
  dir: string,
  calls: number,
): Promise<{ samples: number[]; toolsListTokens: number }> {
  const upstreams = allUpstreams(dir);
  let toolsListTokens = 0;
  let samples: number[] = [];
  for (const [name, entry] of Object.entries(upstreams)) {
    const config = entry as { command: string; args: string[]; env?: Record<string, string> };
    const client = new Client({ name: "bench", version: "1.0.0" });
    await client.connect(new StdioClientTransport({ ...config, stderr: "ignore" }));
    try {
      const listed = await client.listTools();
      toolsListTokens += countTokens(JSON.stringify(listed.tools));
      if (name !== "filesystem") continue;
      const all: number[] = [];
      for (let i = 0; i < calls + 20; i++) {
        const started = performance.now();
        await client.callTool({ name: "read_text_file", arguments: { path: `${dir}/data.txt` } });
        all.push(performance.now() - started);
      }
      samples = all.slice(20);
    } finally {
      await client.close();
    }
  }
  return { samples, toolsListTokens };
}
