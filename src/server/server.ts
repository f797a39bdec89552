/**
 * The MCP server: an `McpServer` from the SDK with `execute_code`, which runs Python in the
 * sandbox through the executor and answers with `structuredContent` plus a compact text, and
 * `search_tools`, which finds upstream tools and shows them as Python stubs.
 */
import { McpServer } from "../mcp_sdk.ts";
import { z } from "zod";
import { ExecResultSchema } from "../contracts.ts";
import type { AgentConfig } from "../agent/agent_config.ts";
import type { ApprovalConfig } from "../approval/approval_config.ts";
import type { Broker } from "../broker/broker.ts";
import { searchTools } from "../broker/search.ts";
import { executeCodeDescription, renderResults } from "../formatting/tool_index.ts";
import type { Executor } from "../sandbox_host/executor.ts";
import { approvalGates, type RequestInfo } from "./approval_setup.ts";
import { InFlight } from "./in_flight.ts";
import { sessionLogger } from "./mcp_logging.ts";
import { resultText } from "./result_text.ts";
import { registerRunAgent } from "./run_agent_tool.ts";
import { SERVER_NAME, SERVER_VERSION } from "../version.ts";

/** Version reported to clients. */
export { SERVER_VERSION } from "../version.ts";

/** Options for {@link createServer}. */
export interface ServerOptions {
  /** Runs the code. */
  executor: Executor;
  /** The upstream tools (none when absent). */
  broker?: Broker;
  /** Settings of `run_agent` (the tool is registered when present). */
  agent?: AgentConfig;
  /** Largest code accepted, in characters. */
  maxCodeChars?: number;
  /** Approvals and the audit log (defaults: nobody asked, no log). */
  approval?: ApprovalConfig;
  /** Counts the calls being answered, for shutdown (one per process; default: this server's). */
  inFlight?: InFlight;
}

/** Arguments of `execute_code`. */
interface ExecuteInput {
  code: string;
  timeout_ms?: number;
}

/** Arguments of `search_tools`. */
interface SearchInput {
  query: string;
  server?: string;
  detail?: "names" | "signatures" | "full";
  limit?: number;
}

/** Creates the MCP server with its tools. */
export function createServer(options: ServerOptions): McpServer {
  const { executor } = options;
  const inFlight = options.inFlight ?? new InFlight();
  const maxChars = options.maxCodeChars ?? 100_000;
  const server = new McpServer(
    { name: SERVER_NAME, version: SERVER_VERSION },
    { capabilities: { tools: {}, logging: {} } },
  );
  const sessionLog = sessionLogger(server);
  const gateFor = approvalGates(server, options.broker, options.approval);
  server.registerTool("execute_code", {
    title: "Execute Python code",
    description: executeCodeDescription(options.broker?.servers() ?? [], {
      approvals: options.broker?.entries.some((e) => e.ref.needs_approval),
    }),
    inputSchema: z.object({
      code: z.string().min(1).max(maxChars).describe("The Python program to run."),
      timeout_ms: z.number().int().min(100).max(executor.config.max_timeout_ms).optional()
        .describe(`Wall-clock limit in ms (default ${executor.config.timeout_ms}).`),
    }),
    outputSchema: ExecResultSchema,
    annotations: { readOnlyHint: false, openWorldHint: true },
  }, (
    { code, timeout_ms }: ExecuteInput,
    extra: RequestInfo & { signal: AbortSignal },
  ) =>
    inFlight.track(async () => {
      sessionLog("debug", `execute_code started (${code.length} characters).`);
      const result = await executor.execute(code, {
        timeoutMs: timeout_ms,
        signal: extra.signal,
        dispatcher: gateFor(extra),
      });
      sessionLog(
        "debug",
        `execute_code ${result.ok ? "succeeded" : `failed (${result.error?.code})`} in ` +
          `${Math.round(result.duration_ms)} ms with ${result.tool_calls.length} tool calls.`,
      );
      return {
        content: [{ type: "text", text: resultText(result) }],
        structuredContent: result,
        isError: !result.ok,
      };
    }));
  server.registerTool("search_tools", {
    title: "Search upstream tools",
    description: "Find the upstream tools callable from execute_code's Python and show them as " +
      "Python stubs. detail: names | signatures (default) | full (with docstrings).",
    inputSchema: z.object({
      query: z.string().max(500).describe("What the tool should do, or its name; empty lists all."),
      server: z.string().max(200).optional().describe("Only tools of this server."),
      detail: z.enum(["names", "signatures", "full"]).optional(),
      limit: z.number().int().min(1).max(100).optional().describe("Most results (default 10)."),
    }),
    annotations: { readOnlyHint: true, openWorldHint: false },
  }, ({ query, server: only, detail, limit }: SearchInput) => {
    const entries = options.broker?.entries ?? [];
    const found = searchTools(entries, query, { server: only, limit: limit ?? 10 });
    const results = found.map((e) => ({
      server: e.ref.server,
      tool: e.ref.tool,
      python: `tools.${e.ref.py_server}.${e.ref.py_name}`,
      signature: `${e.ref.py_name}${e.stub.signature}`,
    }));
    return {
      content: [{ type: "text", text: renderResults(found, detail ?? "signatures") }],
      structuredContent: { results, total: entries.length },
    };
  });
  if (options.agent) {
    registerRunAgent(server, {
      executor,
      broker: options.broker,
      agent: options.agent,
      dispatcher: gateFor,
      inFlight,
    });
  }
  return server;
}
