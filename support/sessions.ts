/**
 * Test support for sandbox sessions and files: `execute_code` with `session`, `reset` and `files`
 * through a real SDK client, returning the structured result, the text and the content blocks.
 */
import type { Client } from "../src/mcp_sdk.ts";
import type { ExecResult } from "../src/contracts.ts";
import { childPids } from "./processes.ts";

/** A content block of a tool result. */
export type Block = {
  type: string;
  text?: string;
  resource?: { uri: string; mimeType?: string; text?: string; blob?: string };
};

/** What {@link run} returns. */
export type SessionResult = ExecResult & { text: string; isError: boolean; blocks: Block[] };

/** Calls `execute_code` with any of its arguments. */
export async function run(
  client: Client,
  code: string,
  extra: {
    session?: string;
    reset?: boolean;
    files?: Record<string, string>;
    timeout_ms?: number;
  } = {},
): Promise<SessionResult> {
  const response = await client.callTool(
    { name: "execute_code", arguments: { code, ...extra } },
    undefined,
    { timeout: 120_000 },
  );
  const blocks = response.content as Block[];
  return {
    ...(response.structuredContent as unknown as ExecResult),
    text: blocks[0]?.text ?? "",
    isError: response.isError === true,
    blocks,
  };
}

/** Waits (bounded) until `pid` has exactly `count` child processes; returns them. */
export async function waitForChildren(pid: number, count: number, ms = 30_000): Promise<number[]> {
  const deadline = Date.now() + ms;
  let children = await childPids(pid);
  while (children.length !== count && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    children = await childPids(pid);
  }
  return children;
}
