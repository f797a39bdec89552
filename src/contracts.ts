/**
 * The contracts every layer shares, zod first (types by `z.infer`): the error codes that can
 * reach a client or Python, the result of an execution, the tool-call record, a tool's outcome
 * and the dispatcher the executor consumes and the broker implements. It imports only zod: the
 * server publishes these schemas, the relay protocol and the sandbox build on them, and no layer
 * has to import another's internals to agree on a shape.
 */
import { z } from "zod";

/** The codes a single tool call can fail with (Python's `ToolError.code`). */
export const TOOL_ERROR_CODES = [
  "UNKNOWN_TOOL",
  "INVALID_ARGUMENTS",
  "TOOL_ERROR",
  "RESULT_TOO_LARGE",
  "INVALID_RESULT",
  "APPROVAL_DENIED",
  "UPSTREAM_UNAVAILABLE",
  "TIMEOUT",
  "CANCELLED",
  "TOOL_CALL_LIMIT",
  "SHUTTING_DOWN",
] as const;

/**
 * Every error code that can reach a client (an execution's `error.code`, a refused tool's) or
 * Python (a `ToolError.code`), as one union: the run codes and {@link TOOL_ERROR_CODES}. An
 * execution result may carry any code (an uncaught `ToolError` usually ends the run as
 * RUNTIME_ERROR, but TOOL_CALL_LIMIT, UPSTREAM_UNAVAILABLE, TIMEOUT … are also run codes), while a
 * tool outcome may carry only the tool codes.
 */
export const ERROR_CODES = [
  "POLICY_VIOLATION",
  "SYNTAX_ERROR",
  "RUNTIME_ERROR",
  "MEMORY_LIMIT",
  "OUTPUT_LIMIT",
  "SANDBOX_CRASH",
  "PROTOCOL_VIOLATION",
  "BUSY",
  "INVALID_INPUT",
  "SESSION_LIMIT",
  "ALREADY_EXISTS",
  ...TOOL_ERROR_CODES,
] as const;

/** One error code (see {@link ERROR_CODES}). */
export type ErrorCode = (typeof ERROR_CODES)[number];

/** One tool error code. */
export type ToolErrorCode = (typeof TOOL_ERROR_CODES)[number];

/** The guardrail rules a POLICY_VIOLATION can name (README, "Guardrails"). */
export const POLICY_RULES = [
  "max_chars",
  "max_lines",
  "import",
  "name",
  "attribute",
  "uncheckable",
] as const;

/** One of the guardrail rules. */
export type PolicyRule = (typeof POLICY_RULES)[number];

/** Most violations listed in one result; the message says how many more there were. */
export const MAX_LISTED_VIOLATIONS = 50;

/** One broken guardrail rule: where (line from 1, column from 0) and how to comply. */
export const PolicyViolationSchema = z.object({
  rule: z.enum(POLICY_RULES),
  line: z.number().int().nonnegative(),
  col: z.number().int().nonnegative(),
  message: z.string().max(4096),
}).strict();

/** One broken guardrail rule. */
export type PolicyViolation = z.infer<typeof PolicyViolationSchema>;

/** Why an execution failed. */
export const RunErrorSchema = z.object({
  code: z.enum(ERROR_CODES),
  type: z.string().max(200).optional().describe("The Python exception type, when there is one."),
  message: z.string().max(64 * 1024),
  traceback: z.string().max(256 * 1024).optional(),
  violations: z.array(PolicyViolationSchema).max(MAX_LISTED_VIOLATIONS).optional()
    .describe("POLICY_VIOLATION only: each broken guardrail rule with line, col and the fix."),
});

/** Why an execution failed. */
export type RunError = z.infer<typeof RunErrorSchema>;

/** One tool call as it appears in a result. */
export const ToolCallRecordSchema = z.object({
  server: z.string(),
  tool: z.string(),
  ok: z.boolean(),
  ms: z.number(),
});

/** One tool call as it appears in a result. */
export type ToolCallRecord = z.infer<typeof ToolCallRecordSchema>;

/** What an execution returns: `execute_code`'s `structuredContent` (README, "What you get"). */
export const ExecResultSchema = z.object({
  ok: z.boolean(),
  stdout: z.string(),
  stderr: z.string(),
  result: z.unknown().optional().describe("The value of the program's last expression."),
  error: RunErrorSchema.optional(),
  tool_calls: z.array(ToolCallRecordSchema),
  duration_ms: z.number(),
  truncated: z.boolean().optional(),
  execution_id: z.string().optional()
    .describe("This execution's id (the audit log names it in every line)."),
  session: z.object({ id: z.string(), state: z.enum(["new", "resumed"]) }).optional(),
  files: z.array(z.object({
    path: z.string(),
    bytes: z.number(),
    mime_type: z.string(),
    truncated: z.boolean().optional(),
  })).optional(),
});

/** What an execution returns. */
export type ExecResult = z.infer<typeof ExecResultSchema>;

/** The outcome of one tool call as Python receives it. */
export const ToolOutcomeSchema = z.discriminatedUnion("ok", [
  z.object({ ok: z.literal(true), value: z.unknown() }),
  z.object({ ok: z.literal(false), code: z.enum(TOOL_ERROR_CODES), message: z.string() }),
]);

/** The outcome of one tool call. */
export type ToolOutcome = z.infer<typeof ToolOutcomeSchema>;

/** A tool the Python code may call, as the sandbox needs to know it. */
export const ToolRefSchema = z.object({
  server: z.string().describe("Server name as the host knows it."),
  tool: z.string().describe("Tool name as the upstream knows it."),
  py_server: z.string().describe("Python identifier of the server namespace."),
  py_name: z.string().describe("Python identifier of the function."),
  doc: z.string().describe("Docstring (help() shows it)."),
  signature: z.string().optional().describe("Python signature, e.g. `(*, path: str) -> str`."),
  needs_approval: z.boolean().optional()
    .describe("A person is asked before each call (the server's `approve` setting)."),
  unavailable: z.string().optional().describe(
    "Set on the one entry of a server that cannot be reached: any tool of `py_server` then " +
      "raises ToolError UPSTREAM_UNAVAILABLE with this message.",
  ),
});

/** A tool the Python code may call. */
export type ToolRef = z.infer<typeof ToolRefSchema>;

/** A saved skill as a run receives it: its source, or why the host found it invalid. */
export const SkillSourceSchema = z.object({
  name: z.string().describe("The skill's name (its file is `<name>.py`)."),
  code: z.string().describe("The module's source."),
  invalid: z.string().optional().describe("Why the skill cannot be used (it is never run)."),
});

/** A saved skill as a run receives it. */
export type SkillSource = z.infer<typeof SkillSourceSchema>;

/** The key of a tool in maps by server and tool name. */
export function toolKey(server: string, tool: string): string {
  return `${server}\u0000${tool}`;
}

/** A progress report an upstream sent about a tool call in flight (MCP `notifications/progress`). */
export interface ToolProgress {
  server: string;
  tool: string;
  progress: number;
  total?: number;
  message?: string;
}

/** What the executor tells a dispatcher about the run a call comes from. */
export interface CallContext {
  /** Aborts when the run settles (or is cancelled). */
  signal: AbortSignal;
  /** The execution's id (as in {@link ExecResult}'s `execution_id`). */
  execution?: string;
  /**
   * Stops the run's clock (its deadline, in the host and in the child) while a person is asked;
   * returns the function that starts it again. Absent where nothing can be paused.
   */
  pauseDeadline?: () => () => void;
  /**
   * Told each progress report of the upstream while the call is in flight. Absent when nobody
   * listens; the upstream is then sent no progress token.
   */
  onProgress?: (report: ToolProgress) => void;
}

/**
 * What checking a call's arguments against its tool's input schema found, before any call: the
 * refusal the call would get, or the top-level names the schema does not declare and whether the
 * schema welcomes such names (see `src/approval/schema_keys.ts`).
 */
export type ArgumentCheck =
  | { ok: true; undeclared: string[]; undeclaredAllowed: boolean }
  | Extract<ToolOutcome, { ok: false }>;

/** Answers the tool calls Python makes (the broker implements it, the executor consumes it). */
export interface ToolDispatcher {
  /** The tools Python may call in the next run. */
  catalog(): ToolRef[];
  /** Checks arguments as `call` would, without calling (the approval gate asks only valid calls). */
  check?(ref: ToolRef, args: Record<string, unknown>): ArgumentCheck;
  /** Performs one call; may throw (the executor turns it into a TOOL_ERROR). */
  call(ref: ToolRef, args: Record<string, unknown>, options: CallContext): Promise<ToolOutcome>;
  /** Told about a call the executor refused itself (an unknown tool, past the call cap). */
  refused?(
    call: { server: string; tool: string; args: Record<string, unknown> },
    outcome: ToolOutcome,
    options: CallContext,
  ): void;
}
