/**
 * The `execute_code` tool: runs Python in the sandbox through the executor (in a fresh child, or
 * in one of the conversation's sessions) and answers with `structuredContent`, a compact text and
 * the output files as embedded resources. Its description carries the tool index (and the skill
 * index, kept current as skills change).
 */
import { z } from "zod";
import { type ExecResult, ExecResultSchema, type ToolDispatcher } from "../contracts.ts";
import type { Broker } from "../broker/broker.ts";
import { deprecatedTools, executeCodeDescription } from "../formatting/tool_index.ts";
import type { McpServer } from "../mcp_sdk.ts";
import type { Executor } from "../sandbox_host/executor.ts";
import { failure } from "../sandbox_host/run_errors.ts";
import { type ConnectionSessions, SESSION_NAME } from "../sandbox_host/sessions.ts";
import type { SkillSummary } from "../skills/skill_index.ts";
import type { SkillStore } from "../skills/skill_store.ts";
import type { RequestInfo } from "./approval_setup.ts";
import { registerCheckedTool, type RegisteredTool } from "./checked_tool.ts";
import type { ClientScope } from "./client_scope.ts";
import type { InFlight } from "./in_flight.ts";
import { sessionLogger } from "./mcp_logging.ts";
import { resultText } from "./result_text.ts";
import { fileBlocks } from "./session_files.ts";
import { followSkills } from "./skills_tool.ts";
import { toolProgressReporter } from "./tool_progress.ts";

/** What `execute_code` is registered with. */
export interface ExecuteCodeOptions {
  executor: Executor;
  /** The upstream tools its description lists (none when absent). */
  broker?: Broker;
  /** The saved skills its description lists (none when absent). */
  skills?: SkillStore;
  /** Largest code accepted, in characters. */
  maxCodeChars: number;
  /** Counts the calls being answered, for shutdown. */
  inFlight: InFlight;
  /** The conversation: how it reaches us (a stateless one has no sessions). */
  scope: ClientScope;
  /** The conversation's sandbox sessions. */
  sessions: ConnectionSessions;
  /** The dispatcher of one request (the broker behind that request's approval gate). */
  dispatcher: (request: RequestInfo) => ToolDispatcher | undefined;
}

/**
 * The input of `execute_code` with its bounds. Budget (tests/tool_budget_test.ts): session, reset
 * and files get about 35 tokens together in the listing, which shows no bounds or patterns.
 */
export function executeCodeInput(maxCodeChars: number, maxTimeoutMs: number) {
  return z.object({
    code: z.string().min(1).max(maxCodeChars),
    timeout_ms: z.number().int().min(100).max(maxTimeoutMs).optional(),
    session: z.string().regex(SESSION_NAME, "1-64 of A-Z a-z 0-9 _ -").optional(),
    reset: z.boolean().optional(),
    // Listed as a bare object with a hint (the budget); values are checked as strings.
    files: z.record(z.string(), z.string()).optional()
      .meta({ propertyNames: undefined, additionalProperties: undefined } as Record<
        string,
        unknown
      >).describe("path→text in /data"),
  });
}

/** Arguments of `execute_code`, within their bounds. */
export type ExecuteInput = z.infer<ReturnType<typeof executeCodeInput>>;

/** Registers `execute_code` on `server`. */
export function registerExecuteCode(
  server: McpServer,
  options: ExecuteCodeOptions,
): RegisteredTool {
  const { executor, broker, scope, sessions } = options;
  const sessionLog = sessionLogger(server);
  const describe = (skills: SkillSummary[]) =>
    executeCodeDescription(broker?.servers() ?? [], {
      hidden: deprecatedTools(broker?.entries ?? []),
      approvals: broker?.entries.some((e) => e.ref.needs_approval),
      sessions: true,
      skills,
    });
  const description = options.skills
    ? followSkills(server, options.skills, describe, (text) => tool.update({ description: text }))
    : describe([]);
  const tool = registerCheckedTool(server, "execute_code", {
    title: "Execute Python code",
    description,
    input: executeCodeInput(options.maxCodeChars, executor.config.max_timeout_ms),
    outputSchema: ExecResultSchema,
    annotations: { readOnlyHint: false, openWorldHint: true },
    invalid: invalidExecution,
    inFlight: options.inFlight,
  }, async (input, extra) => {
    const { code, timeout_ms, session, reset, files } = input;
    sessionLog("debug", `execute_code started (${code.length} characters).`);
    const refusal = sessionRefusal(input, scope);
    const { result, files: out } = refusal ? { result: refusal, files: [] } : await executor
      .run(code, {
        timeoutMs: timeout_ms,
        signal: extra.signal,
        dispatcher: options.dispatcher(extra),
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
  });
  return tool;
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

/** `execute_code`'s result for input outside the bounds (`INVALID_INPUT`; nothing ran). */
function invalidExecution(message: string) {
  const result = refusedInput(message);
  return {
    content: [{ type: "text" as const, text: resultText(result) }],
    structuredContent: result,
    isError: true,
  };
}
