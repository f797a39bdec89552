/**
 * Test support: a small MCP server of the 2026-07-28 era, built on the v2 server SDK
 * (`serveStdio` from `@modelcontextprotocol/server`), which serves both eras from one factory
 * unless run with `--modern-only` (then a 2025-era `initialize` is refused). Its `era` tool says
 * which era the connection was served in, so a test sees what the broker negotiated; others
 * add, report progress, give a large result, never answer, or end the process.
 * Run it with `deno run --quiet --no-prompt support/modern_upstream.ts`.
 */
import { McpServer } from "@modelcontextprotocol/server";
import { serveStdio } from "@modelcontextprotocol/server/stdio";
import { z } from "zod";
import { scriptUpstream } from "./script_upstream.ts";

/** The command and arguments of a config entry that runs this server. */
export function modernUpstream(
  extra: Record<string, unknown> = {},
  args: string[] = [],
): Record<string, unknown> {
  return scriptUpstream(import.meta.url, extra, args);
}

/** The `steps` calls waiting for `release` (one process serves one connection). */
const releases: Array<() => void> = [];

const text = (value: string) => ({ content: [{ type: "text" as const, text: value }] });

/** One server instance; `era` is the era of the connection it serves. */
function build(era: "legacy" | "modern"): McpServer {
  const server = new McpServer({ name: "modern-test-upstream", version: "1.0.0" });
  server.registerTool(
    "era",
    { description: "The protocol era this connection was served in.", inputSchema: z.object({}) },
    () => text(era),
  );
  server.registerTool(
    "add",
    {
      description: "The sum of `a` and `b`.",
      inputSchema: z.object({ a: z.number(), b: z.number() }),
    },
    ({ a, b }) => text(String(a + b)),
  );
  server.registerTool(
    "big",
    { description: "A text of `bytes` letters.", inputSchema: z.object({ bytes: z.number() }) },
    ({ bytes }) => text("x".repeat(bytes)),
  );
  server.registerTool(
    "steps",
    {
      description: "Reports `n` progress steps, then answers once `release` is called.",
      inputSchema: z.object({ n: z.number() }),
    },
    async ({ n }, ctx) => {
      const progressToken = ctx.mcpReq._meta?.progressToken;
      for (let i = 1; progressToken !== undefined && i <= n; i++) {
        const params = { progressToken, progress: i, total: n };
        await ctx.mcpReq.notify({ method: "notifications/progress", params });
      }
      await new Promise<void>((resolve) => releases.push(resolve));
      return text(progressToken === undefined ? "no progress token" : `${n} steps`);
    },
  );
  server.registerTool(
    "release",
    { description: "Ends every `steps` call waiting.", inputSchema: z.object({}) },
    () => {
      const waiting = releases.splice(0);
      for (const release of waiting) release();
      return text(`released ${waiting.length}`);
    },
  );
  server.registerTool(
    "stall",
    { description: "Never answers.", inputSchema: z.object({}) },
    () => new Promise<never>(() => {}),
  );
  server.registerTool(
    "die",
    { description: "Writes a last word to stderr and exits.", inputSchema: z.object({}) },
    () => {
      console.error("modern upstream: dying as asked");
      Deno.exit(4);
    },
  );
  server.registerTool(
    "pid",
    { description: "The server's process id.", inputSchema: z.object({}) },
    () => text(String(Deno.pid)),
  );
  return server;
}

if (import.meta.main) {
  const modernOnly = Deno.args.includes("--modern-only");
  serveStdio((ctx) => build(ctx.era), { legacy: modernOnly ? "reject" : "serve" });
}
