/**
 * The MCP server: an `McpServer` from the SDK with the `execute_code` tool, which runs Python in
 * the sandbox through the executor and answers with `structuredContent` plus a compact text.
 */
import { McpServer } from "../mcp_sdk.ts";
import { z } from "zod";
import { ERROR_CODES } from "../relay/protocol.ts";
import type { Executor } from "../sandbox_host/executor.ts";
import { resultText } from "./result_text.ts";

/** Version reported to clients. */
export const SERVER_VERSION = "0.1.0";

/** Options for {@link createServer}. */
export interface ServerOptions {
  /** Runs the code. */
  executor: Executor;
  /** Largest code accepted, in characters. */
  maxCodeChars?: number;
}

const ExecResultSchema = z.object({
  ok: z.boolean(),
  stdout: z.string(),
  stderr: z.string(),
  result: z.unknown().optional(),
  error: z.object({
    code: z.enum(ERROR_CODES),
    type: z.string().optional(),
    message: z.string(),
    traceback: z.string().optional(),
  }).optional(),
  tool_calls: z.array(z.object({
    server: z.string(),
    tool: z.string(),
    ok: z.boolean(),
    ms: z.number(),
  })),
  duration_ms: z.number(),
  truncated: z.boolean().optional(),
});

/** Arguments of `execute_code`. */
interface ExecuteInput {
  code: string;
  timeout_ms?: number;
}

/** Describes `execute_code` to the model. */
export function executeCodeDescription(): string {
  return [
    "Run a Python 3 program (Pyodide, standard library only) in an isolated sandbox and get back",
    "its stdout, stderr and the value of its last expression (or of a variable named `result`).",
    "Top-level `await` works. Nothing persists between calls: each call starts a fresh interpreter.",
    "The sandbox has no files, network or environment of the host. Prefer one program that does",
    "all the steps and prints or returns a compact summary.",
  ].join(" ");
}

/** Creates the MCP server with its tools. */
export function createServer(options: ServerOptions): McpServer {
  const { executor } = options;
  const maxChars = options.maxCodeChars ?? 100_000;
  const server = new McpServer(
    { name: "mcp-code-mode", version: SERVER_VERSION },
    { capabilities: { tools: {}, logging: {} } },
  );
  server.registerTool("execute_code", {
    title: "Execute Python code",
    description: executeCodeDescription(),
    inputSchema: z.object({
      code: z.string().min(1).max(maxChars).describe("The Python program to run."),
      timeout_ms: z.number().int().min(100).max(executor.config.max_timeout_ms).optional()
        .describe(`Wall-clock limit in ms (default ${executor.config.timeout_ms}).`),
    }),
    outputSchema: ExecResultSchema,
    annotations: { readOnlyHint: false, openWorldHint: true },
  }, async ({ code, timeout_ms }: ExecuteInput, extra: { signal: AbortSignal }) => {
    const result = await executor.execute(code, { timeoutMs: timeout_ms, signal: extra.signal });
    return {
      content: [{ type: "text", text: resultText(result) }],
      structuredContent: result as unknown as Record<string, unknown>,
      isError: !result.ok,
    };
  });
  return server;
}
