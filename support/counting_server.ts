/**
 * Test support: a real MCP server over stdio (the SDK's `McpServer`) that counts the calls it
 * receives, so a test can check what an upstream actually got. Tools: `hit` (counts one call) and
 * `count` (how many `hit` calls arrived).
 */
import { z } from "zod";
import { McpServer, StdioServerTransport } from "../src/mcp_sdk.ts";

/** A stdio server entry that runs this file. */
export function countingServer(): Record<string, unknown> {
  return {
    command: Deno.execPath(),
    args: ["run", "--quiet", "--no-prompt", new URL(import.meta.url).pathname],
  };
}

if (import.meta.main) {
  let hits = 0;
  const server = new McpServer({ name: "counting", version: "1.0.0" });
  server.registerTool("hit", {
    description: "Counts one call.",
    inputSchema: z.object({ n: z.number().int().optional() }),
  }, () => {
    hits++;
    return { content: [{ type: "text", text: String(hits) }] };
  });
  server.registerTool("count", {
    description: "How many hit calls arrived.",
    inputSchema: z.object({}),
  }, () => ({ content: [{ type: "text", text: String(hits) }] }));
  await server.connect(new StdioServerTransport());
}
