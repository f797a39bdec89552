/**
 * The MCP server: an `McpServer` from the SDK with `execute_code`, which runs Python in the
 * sandbox through the executor (in a fresh child, or in one of the connection's sessions) and
 * answers with `structuredContent`, a compact text and the output files as embedded resources,
 * and `search_tools`, which finds upstream tools and shows them as Python stubs.
 */
import { McpServer } from "../mcp_sdk.ts";
import { z } from "zod";
import { type ExecResult, ExecResultSchema } from "../contracts.ts";
import { type AgentConfig, llmConfigured } from "../agent/agent_config.ts";
import type { ApprovalConfig } from "../approval/approval_config.ts";
import type { Broker } from "../broker/broker.ts";
import { rankTools } from "../broker/search.ts";
import {
  deprecatedTools,
  executeCodeDescription,
  moreLine,
  renderResults,
} from "../formatting/tool_index.ts";
import type { Executor } from "../sandbox_host/executor.ts";
import { failure } from "../sandbox_host/run_errors.ts";
import { approvalGates, type RequestInfo } from "./approval_setup.ts";
import type { ClientScope } from "./client_scope.ts";
import { InFlight } from "./in_flight.ts";
import { sessionLogger } from "./mcp_logging.ts";
import { listed } from "./listed_schema.ts";
import { resultText } from "./result_text.ts";
import { connectionSessions, fileBlocks } from "./session_files.ts";
import { SESSION_NAME } from "../sandbox_host/sessions.ts";
import { registerRunAgent } from "./run_agent_tool.ts";
import { type ProgressRequest, toolProgressReporter } from "./tool_progress.ts";
import { followSkills, registerSaveSkill, skillMatches } from "./skills_tool.ts";
import type { SkillStore } from "../skills/skill_store.ts";
import type { SkillSummary } from "../skills/skill_index.ts";
import { SERVER_NAME, SERVER_VERSION } from "../version.ts";

/** Version reported to clients. */
export { SERVER_VERSION } from "../version.ts";

/** Options for {@link createServer}. */
export interface ServerOptions {
  /** Runs the code. */
  executor: Executor;
  /** The upstream tools (none when absent). */
  broker?: Broker;
  /** Settings of `run_agent` (listed when present and an LLM is configured, see `llmConfigured`). */
  agent?: AgentConfig;
  /** Reads the environment (OPENAI_API_KEY …); defaults to `Deno.env.get`. */
  env?: (name: string) => string | undefined;
  /** Largest code accepted, in characters. */
  maxCodeChars?: number;
  /** Approvals and the audit log (defaults: nobody asked, no log). */
  approval?: ApprovalConfig;
  /** Counts the calls being answered, for shutdown (one per process; default: this server's). */
  inFlight?: InFlight;
  /** The saved skills (`save_skill`, the index, search); none when absent. */
  skills?: SkillStore;
}

/** The largest `limit` of one `search_tools` answer. */
const MAX_SEARCH_LIMIT = 100;

/** Arguments of `execute_code`. */
interface ExecuteInput {
  code: string;
  timeout_ms?: number;
  session?: string;
  reset?: boolean;
  files?: Record<string, string>;
}

/** Arguments of `search_tools`. */
interface SearchInput {
  query: string;
  server?: string;
  detail?: "names" | "signatures" | "full";
  limit?: number;
}

/**
 * Creates the MCP server with its tools for one conversation: `scope` (made and closed by the
 * transport) holds its sandbox sessions, approvals, client and how it reaches us.
 */
export function createServer(options: ServerOptions, scope: ClientScope): McpServer {
  const { executor } = options;
  const inFlight = options.inFlight ?? new InFlight();
  const maxChars = options.maxCodeChars ?? 100_000;
  const server = new McpServer(
    { name: SERVER_NAME, version: SERVER_VERSION },
    { capabilities: { tools: {}, logging: {} } },
  );
  const sessionLog = sessionLogger(server);
  const gateFor = approvalGates(server, scope, options.broker, options.approval);
  const sessions = connectionSessions(server, executor, scope);
  // What a model reads of our tools is budgeted (README, "The tools this server offers"): the listed
  // schemas carry no bounds; the handler checks them with `inputLimits` and names what is wrong.
  const inputLimits = z.object({
    code: z.string().min(1).max(maxChars),
    timeout_ms: z.number().int().min(100).max(executor.config.max_timeout_ms).optional(),
    session: z.string().regex(SESSION_NAME, "1-64 of A-Z a-z 0-9 _ -").optional(),
    reset: z.boolean().optional(),
    files: z.record(z.string(), z.string()).optional(),
  });
  const searchLimits = z.object({
    query: z.string().max(500),
    server: z.string().max(200).optional(),
    detail: z.enum(["names", "signatures", "full"]).optional(),
    limit: z.number().int().min(1).max(MAX_SEARCH_LIMIT).optional(),
  });
  const broker = options.broker;
  const describe = (skills: SkillSummary[]) =>
    executeCodeDescription(broker?.servers() ?? [], {
      hidden: deprecatedTools(broker?.entries ?? []),
      approvals: broker?.entries.some((e) => e.ref.needs_approval),
      sessions: true,
      skills,
    });
  const description = options.skills
    ? followSkills(
      server,
      options.skills,
      describe,
      (text) => executeTool.update({ description: text }),
    )
    : describe([]);
  const executeTool = server.registerTool(
    "execute_code",
    {
      title: "Execute Python code",
      description,
      // Budget (tests/tool_budget_test.ts): session, reset and files get about 35 tokens
      // together; bounds and patterns go in inputLimits, not here.
      inputSchema: listed(z.object({
        code: z.string(),
        timeout_ms: z.number().optional(),
        session: z.string().optional(),
        reset: z.boolean().optional(),
        // Listed as a bare object with a hint (the budget); values are checked as strings.
        files: z.record(z.string(), z.string()).optional()
          .meta({ propertyNames: undefined, additionalProperties: undefined } as Record<
            string,
            unknown
          >).describe("path→text in /data"),
      })),
      outputSchema: ExecResultSchema,
      annotations: { readOnlyHint: false, openWorldHint: true },
    },
    (input: ExecuteInput, extra: RequestInfo & ProgressRequest & { signal: AbortSignal }) =>
      inFlight.track(async () => {
        const checked = inputLimits.safeParse(input);
        if (!checked.success) return invalidExecution(checked.error);
        const { code, timeout_ms, session, reset, files } = checked.data;
        sessionLog("debug", `execute_code started (${code.length} characters).`);
        const refusal = sessionRefusal(checked.data, scope);
        const { result, files: out } = refusal ? { result: refusal, files: [] } : await executor
          .run(code, {
            timeoutMs: timeout_ms,
            signal: extra.signal,
            dispatcher: gateFor(extra),
            files,
            onProgress: toolProgressReporter(extra),
            ...(session ? { session: { sessions, name: session, reset } } : {}),
          });
        sessionLog(
          "debug",
          `execute_code ${result.ok ? "succeeded" : `failed (${result.error?.code})`} in ` +
            `${Math.round(result.duration_ms)} ms with ${result.tool_calls.length} tool calls.`,
        );
        const owner = session ?? `execution-${result.execution_id}`;
        return {
          content: [
            { type: "text" as const, text: resultText(result) },
            ...fileBlocks(out, owner),
          ],
          structuredContent: result,
          isError: !result.ok,
        };
      }),
  );
  server.registerTool("search_tools", {
    title: "Search upstream tools",
    description: "Finds upstream tools; shows Python stubs.",
    inputSchema: listed(z.object({
      query: z.string().describe("empty lists all"),
      server: z.string().optional(),
      detail: z.enum(["names", "signatures", "full"]).optional(),
      limit: z.number().optional(),
    })),
    annotations: { readOnlyHint: true, openWorldHint: false },
  }, async (input: SearchInput) => {
    const checked = searchLimits.safeParse(input);
    if (!checked.success) return invalidInput("search_tools", checked.error);
    const { query, server: only, detail, limit } = checked.data;
    await options.skills?.refresh();
    const entries = broker?.entries ?? [];
    const matched = rankTools(entries, query, only);
    const found = matched.slice(0, limit ?? 10);
    const results = found.map((e) => ({
      server: e.ref.server,
      tool: e.ref.tool,
      python: `tools.${e.ref.py_server}.${e.ref.py_name}`,
      signature: `${e.ref.py_name}${e.stub.signature}`,
    }));
    const skills = only ? undefined : options.skills && skillMatches(options.skills, query, limit);
    const more = moreLine(matched.slice(found.length), matched.length, MAX_SEARCH_LIMIT);
    const tools = found.length || !skills
      ? [renderResults(found, detail ?? "signatures"), more].filter(Boolean).join("\n")
      : "";
    return {
      content: [{ type: "text", text: [skills?.text, tools].filter(Boolean).join("\n") }],
      structuredContent: {
        results,
        total: entries.length,
        ...(skills ? { skills: skills.found } : {}),
      },
    };
  });
  if (options.skills) registerSaveSkill(server, options.skills);
  const env = options.env ?? ((name: string) => Deno.env.get(name));
  // A tool that can only fail is not listed: run_agent needs an LLM.
  if (options.agent && llmConfigured(options.agent, env)) {
    registerRunAgent(server, {
      executor,
      broker,
      agent: options.agent,
      env,
      dispatcher: gateFor,
      inFlight,
      skills: () => options.skills?.list.filter((s) => s.status === "valid") ?? [],
    });
  }
  return server;
}

/** Why `session` / `reset` cannot be honoured (INVALID_INPUT), or undefined. */
function sessionRefusal(input: ExecuteInput, scope: ClientScope): ExecResult | undefined {
  let message = "";
  if (input.reset && !input.session) message = "reset needs a session: pass session as well.";
  else if (input.session && scope.stateless) {
    message = "Sessions need an MCP session, and this HTTP server is stateless; run without " +
      "session (send the data with files), or use a server with sessions.";
  }
  return message ? refusedInput(message) : undefined;
}

/** An execution refused before anything ran (`INVALID_INPUT`). */
function refusedInput(message: string): ExecResult {
  return failure({ code: "INVALID_INPUT", message }, performance.now());
}

/** An error result for input outside the limits, naming each argument and what is allowed. */
function invalidInput(tool: string, error: z.ZodError) {
  return {
    content: [{ type: "text" as const, text: invalidMessage(tool, error) }],
    isError: true,
  };
}

function invalidMessage(tool: string, error: z.ZodError): string {
  return `Invalid arguments for ${tool}: ` +
    error.issues.map((i) => `${i.path.join(".") || "input"}: ${i.message}`).join("; ") + ".";
}

/** `execute_code`'s result for input outside the limits (`INVALID_INPUT`; nothing ran). */
function invalidExecution(error: z.ZodError) {
  const result = refusedInput(invalidMessage("execute_code", error));
  return {
    content: [{ type: "text" as const, text: resultText(result) }],
    structuredContent: result,
    isError: true,
  };
}
