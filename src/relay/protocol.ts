/**
 * The relay protocol between the host and a sandbox child: every message as a zod schema
 * discriminated on `type`, plus the nonce framing of child → host lines.
 *
 * The host validates every child line with these schemas; the child (`sandbox/`) imports
 * only the types, so it never loads zod.
 */
import { z } from "zod";
import {
  RunErrorSchema,
  type SkillSource,
  type ToolErrorCode,
  type ToolOutcome,
  type ToolRef,
} from "../contracts.ts";

// The sandbox imports these through this module (types only).
export type { RunError, SkillSource, ToolRef } from "../contracts.ts";

/** Longest line the host accepts from a child, newline excluded. */
export const MAX_FRAME_BYTES = 4 * 1024 * 1024;

const JsonValue: z.ZodType<unknown> = z.unknown();

/** A file the run created or changed under `/data/out` (`base64` unless over the budget). */
export const ChildFileSchema = z.object({
  path: z.string().min(1).max(4096),
  bytes: z.number().int().nonnegative(),
  base64: z.string().optional(),
  truncated: z.literal(true).optional(),
}).strict();

/** A file the run created or changed. */
export type ChildFile = z.infer<typeof ChildFileSchema>;

/** What the child reports when a run ends. */
export const ChildRunResultSchema = z.object({
  ok: z.boolean(),
  stdout: z.string(),
  stderr: z.string(),
  result: JsonValue.optional(),
  error: RunErrorSchema.optional(),
  truncated: z.boolean().optional(),
  files: z.array(ChildFileSchema).max(10_000).optional(),
});

/**
 * The phases of a child's start, in order; each is reported when it ends. An interpreter after
 * the first in a worker-isolation child starts with `fence` (the host's fence was read), then
 * `pyodide` and `warm_up`.
 */
export const START_PHASES = ["boot", "snapshot", "fence", "pyodide", "warm_up"] as const;
/** One phase of a child's start. */
export type StartPhase = typeof START_PHASES[number];

/** Child → host messages. */
export const ChildMessageSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("phase"), name: z.enum(START_PHASES) }).strict(),
  z.object({ type: z.literal("ready") }).strict(),
  /** Worker isolation: an interpreter ended and the next may start once the host fences. */
  z.object({ type: z.literal("recycle") }).strict(),
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

/** Limits the child enforces on itself (the host enforces its own as well). */
export interface ChildLimits {
  /** Bytes of stdout+stderr kept before truncating. */
  output_bytes: number;
  /** Bytes of output after which the run is stopped with OUTPUT_LIMIT. */
  output_hard_bytes: number;
  /** Bytes of the serialised return value kept before truncating. */
  result_bytes: number;
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
  | {
    type: "init";
    nonce: string;
    /** Length of the snapshot (0: none); its non-zero stretches follow, in order. */
    snapshot_bytes: number;
    /** The stretches `[offset, length]` that follow; absent: the whole snapshot follows. */
    snapshot_runs?: Array<[number, number]>;
    limits: ChildLimits;
    /**
     * Worker isolation: each interpreter in a fresh Worker of this process, its bundled code
     * (`bundle_bytes` long) following the snapshot; the process exits after `recycle_after`.
     */
    isolation?: { bundle_bytes: number; recycle_after: number };
  }
  | {
    type: "run";
    id: string;
    code: string;
    /** The tool catalog; absent: the one of the last `prepare`. */
    tools?: ToolRef[];
    policy: RunPolicy | null;
    /** The saved skills' sources: the global `skills` checks and loads one on first use. */
    skills?: SkillSource[];
    /** After this many ms the child interrupts Python (KeyboardInterrupt → TIMEOUT, output kept). */
    deadline_ms?: number;
    /** A session: stay alive after `done` and wait for the next run. */
    keep?: boolean;
    /** Files written under `/data` (relative path → text) before the program runs. */
    files?: Record<string, string>;
    /** Bytes of `/data/out` content sent back with `done` (past it: listed, truncated). */
    out_bytes?: number;
  }
  /**
   * The tool catalog and policy, sent to an idle child so that it is ready before the run that
   * uses them (the run still names its own policy).
   */
  | { type: "prepare"; tools: ToolRef[]; policy: RunPolicy | null }
  /** Stop the deadline's clock (a person is being asked to approve a tool call). */
  | { type: "pause" }
  /** Start it again: the child interrupts Python after `deadline_ms` more ms. */
  | { type: "resume"; deadline_ms: number }
  /** Worker isolation: the answer to `recycle`; the next interpreter frames with `nonce`. */
  | { type: "fence"; nonce: string }
  | ToolResultMessage;

/** Host → child: the outcome of one tool call. */
export type ToolResultMessage =
  | { type: "tool_result"; call_id: number; ok: true; value: unknown }
  | {
    type: "tool_result";
    call_id: number;
    ok: false;
    error: { code: ToolErrorCode; message: string };
  };

/** The relay message that answers tool call `call_id` with `outcome`. */
export function toolResultMessage(call_id: number, outcome: ToolOutcome): ToolResultMessage {
  return outcome.ok ? { type: "tool_result", call_id, ok: true, value: outcome.value } : {
    type: "tool_result",
    call_id,
    ok: false,
    error: { code: outcome.code, message: outcome.message },
  };
}

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
