/**
 * Which tool calls need a person's approval: a pure function of the server's `approve` rule, the
 * tool's name and the annotations its server gave it in `tools/list`. Annotations are hints from
 * the upstream; where they are missing the MCP defaults apply (`readOnlyHint` false,
 * `destructiveHint` true), so an unmarked tool counts as risky.
 */
import type { ApproveRule } from "./approval_config.ts";

/** The tool annotations the rules read (MCP `ToolAnnotations`). */
export interface ToolHints {
  readOnlyHint?: boolean;
  destructiveHint?: boolean;
}

/** Matches a tool name against one pattern of the `tools.allow` / `tools.deny` syntax. */
export type PatternMatcher = (pattern: string, name: string) => boolean;

/** True when a call of `tool` must be approved under `rule` (absent means "none"). */
export function needsApproval(
  rule: ApproveRule | undefined,
  tool: { name: string; annotations?: ToolHints },
  matches: PatternMatcher,
): boolean {
  if (rule === undefined || rule === "none") return false;
  if (Array.isArray(rule)) return rule.some((pattern) => matches(pattern, tool.name));
  const hints = tool.annotations ?? {};
  if (hints.readOnlyHint === true) return false;
  if (rule === "writes") return true;
  return hints.destructiveHint !== false; // "destructive": marked so, or not marked at all
}
