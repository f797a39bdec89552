/**
 * The relay protocol between the host and a sandbox child: every message as a zod schema
 * discriminated on `type`, plus the nonce framing of child → host lines.
 *
 * The host validates every child line with these schemas; the child (`sandbox/`) imports
 * only the types, so it never loads zod.
 */
import { z } from "zod";

/** Error codes of an execution result (see DESIGN.md). */
export const ERROR_CODES = [
  "POLICY_VIOLATION",
  "SYNTAX_ERROR",
  "RUNTIME_ERROR",
  "TIMEOUT",
  "MEMORY_LIMIT",
  "OUTPUT_LIMIT",
  "TOOL_CALL_LIMIT",
  "SANDBOX_CRASH",
  "PROTOCOL_VIOLATION",
  "UPSTREAM_UNAVAILABLE",
] as const;

/** One of the execution error codes. */
export type ErrorCode = (typeof ERROR_CODES)[number];

/** Longest line the host accepts from a child, newline excluded. */
export const MAX_FRAME_BYTES = 4 * 1024 * 1024;

const JsonValue: z.ZodType<unknown> = z.unknown();

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

/** The error part of a run result, as the child reports it. */
export const RunErrorSchema = z.object({
  code: z.enum(ERROR_CODES),
  type: z.string().max(200).optional(),
  message: z.string().max(64 * 1024),
  traceback: z.string().max(256 * 1024).optional(),
  violations: z.array(PolicyViolationSchema).max(MAX_LISTED_VIOLATIONS).optional(),
});

/** What the child reports when a run ends. */
export const ChildRunResultSchema = z.object({
  ok: z.boolean(),
  stdout: z.string(),
  stderr: z.string(),
  result: JsonValue.optional(),
  error: RunErrorSchema.optional(),
  truncated: z.boolean().optional(),
});

/** Child → host messages. */
export const ChildMessageSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("ready") }).strict(),
  z.object({
    type: z.literal("tool_call"),
    call_id: z.number().int().nonnegative(),
    server: z.string().min(1).max(200),
    tool: z.string().min(1).max(200),
    args: z.record(z.string(), JsonValue),
  }).strict(),
  z.object({
    type: z.literal("done"),
    id: z.string().max(100),
    result: ChildRunResultSchema,
  }).strict(),
]);

/** A validated child → host message. */
export type ChildMessage = z.infer<typeof ChildMessageSchema>;
/** The result a child reports for one run. */
export type ChildRunResult = z.infer<typeof ChildRunResultSchema>;
/** The error part of a result. */
export type RunError = z.infer<typeof RunErrorSchema>;

/** Limits the child enforces on itself (the host enforces its own as well). */
export interface ChildLimits {
  /** Bytes of stdout+stderr kept before truncating. */
  output_bytes: number;
  /** Bytes of output after which the run is stopped with OUTPUT_LIMIT. */
  output_hard_bytes: number;
  /** Bytes of the serialised return value kept before truncating. */
  result_bytes: number;
}

/** A tool the Python code may call, as the child needs to know it. */
export interface ToolRef {
  /** Server name as the host knows it. */
  server: string;
  /** Tool name as the upstream knows it. */
  tool: string;
  /** Python identifier of the server namespace. */
  py_server: string;
  /** Python identifier of the function. */
  py_name: string;
  /** Docstring (`help()` shows it). */
  doc: string;
  /** Python signature, e.g. `(*, path: str) -> str` (`help()` shows it). */
  signature?: string;
}

/** The import and name rules the child checks with Python's `ast` before running the code. */
export interface RunPolicy {
  /** Modules (and their submodules) the code may import; dotted entries allow one part only. */
  allowed_imports: string[];
  /** Names the code may not use as variables, functions or parameters. */
  denied_names: string[];
  /** Attributes the code may not read or write. */
  denied_attributes: string[];
}

/** Host → child messages (trusted; sent as plain JSON lines). */
export type HostMessage =
  | { type: "init"; nonce: string; snapshot_bytes: number; limits: ChildLimits }
  | {
    type: "run";
    id: string;
    code: string;
    tools: ToolRef[];
    policy: RunPolicy | null;
    /** After this many ms the child interrupts Python (KeyboardInterrupt → TIMEOUT, output kept). */
    deadline_ms?: number;
  }
  | { type: "tool_result"; call_id: number; ok: true; value: unknown }
  | { type: "tool_result"; call_id: number; ok: false; error: { code: string; message: string } };

/** Result of parsing one framed line from the child. */
export type FrameParse =
  | { ok: true; message: ChildMessage }
  | { ok: false; reason: string };

/** Frames a child message: `<nonce> <json>\n`. */
export function encodeFrame(nonce: string, message: ChildMessage): string {
  return `${nonce} ${JSON.stringify(message)}\n`;
}

/** Checks the nonce, parses JSON and validates one line written by a child. */
export function parseFrame(nonce: string, line: string): FrameParse {
  if (!line.startsWith(nonce + " ")) {
    return { ok: false, reason: `unframed line from the sandbox: ${preview(line)}` };
  }
  let json: unknown;
  try {
    json = JSON.parse(line.slice(nonce.length + 1));
  } catch {
    return { ok: false, reason: "framed line from the sandbox is not valid JSON" };
  }
  const parsed = ChildMessageSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      ok: false,
      reason: `invalid relay message from the sandbox at ${issue?.path.join(".") || "(root)"}: ${
        issue?.message ?? "unknown"
      }`,
    };
  }
  return { ok: true, message: parsed.data };
}

function preview(line: string): string {
  const short = line.length > 80 ? line.slice(0, 80) + "…" : line;
  return JSON.stringify(short);
}
