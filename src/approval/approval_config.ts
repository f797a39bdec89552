/**
 * The approval settings of `mcp_servers.json`: per server, which tool calls need a person's
 * approval (`approve`), and once for all servers how the question is asked and how long it may
 * wait, how many questions one execution may ask and how long they may be, what happens with
 * clients that cannot be asked, and the audit log (`approval`).
 */
import { z } from "zod";

/** The named `approve` rules. */
export const APPROVE_MODES = ["none", "destructive", "writes"] as const;

const MODE_HINT =
  'use "none", "destructive" (tools marked destructive, or not marked at all), "writes" ' +
  "(every tool not marked read-only) or an array of tool-name patterns";

/** One tool-name pattern (the glob syntax of `tools.allow` / `tools.deny`). */
export const ToolPatternSchema = z.string().refine((p) => p.trim().length > 0 && p === p.trim(), {
  error: "a tool-name pattern must be a non-empty name without surrounding spaces, e.g. " +
    '"write_file" or "delete_*"',
});

/** A server's `approve` setting: a named rule or tool-name patterns. */
export const ApproveSchema = z.unknown().transform((value, ctx) => {
  if (typeof value === "string") {
    if ((APPROVE_MODES as readonly string[]).includes(value)) {
      return value as (typeof APPROVE_MODES)[number];
    }
    ctx.addIssue({ code: "custom", message: `unknown value "${value}"; ${MODE_HINT}` });
    return z.NEVER;
  }
  if (!Array.isArray(value)) {
    ctx.addIssue({ code: "custom", message: MODE_HINT });
    return z.NEVER;
  }
  const parsed = z.array(ToolPatternSchema).safeParse(value);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) {
    ctx.addIssue({ code: "custom", message: issue.message, path: issue.path });
  }
  return z.NEVER;
}).describe(
  'Which calls a person must approve: "none" (default), "destructive", "writes" or tool-name ' +
    "patterns.",
);

/** A server's `approve` setting. */
export type ApproveRule = (typeof APPROVE_MODES)[number] | string[];

/** The `approval` section. */
export const ApprovalConfigSchema = z.object({
  timeout_ms: z.number().int().min(100).max(3_600_000).default(120_000)
    .describe("How long a person may take to answer; the run's deadline is paused meanwhile."),
  without_elicitation: z.enum(["deny", "allow"]).default("deny")
    .describe("What happens to such calls when the client cannot be asked (no elicitation)."),
  audit_log: z.string().min(1).optional()
    .describe(
      "File that gets one JSON line per tool call from the sandbox (off when absent); relative to " +
        "the config file's folder.",
    ),
  audit_max_bytes: z.number().int().min(64 * 1024).max(1024 ** 4).default(64 * 1024 * 1024)
    .describe(
      "Size bound of the audit log: a line that would take it past this first renames the file " +
        "to <name>.1 (replacing the one before) and begins a new file whose first line says so.",
    ),
  redact: z.array(z.string().min(1)).default([])
    .describe('Argument names whose values the audit log replaces with "[redacted]".'),
  max_questions_per_execution: z.number().int().min(1).max(1000).default(10)
    .describe(
      "Most questions one execution may put to a person; later calls that would ask are refused.",
    ),
  question_max_chars: z.number().int().min(200).max(100_000).default(4000)
    .describe("Longest arguments text a question may show."),
  long_arguments: z.enum(["refuse", "cut"]).default("refuse")
    .describe(
      'Arguments longer than question_max_chars: "refuse" the call before asking, or "cut" long ' +
        "strings in the question, each cut naming how much is not shown.",
    ),
}).strict();

/** The `approval` section with defaults applied. */
export type ApprovalConfig = z.infer<typeof ApprovalConfigSchema>;
