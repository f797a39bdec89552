/**
 * The host-side guardrail: program size (characters and lines), checked before any sandbox child
 * is used, and the POLICY_VIOLATION error that lists every broken rule with its line, column and
 * fix (the sandbox child formats its import and name violations the same way, in
 * `sandbox/policy.py`).
 */
import { MAX_LISTED_VIOLATIONS, type PolicyViolation, type RunError } from "../contracts.ts";
import type { PolicyConfig } from "./policy_config.ts";

/** Every size rule `code` breaks (empty when it fits), each with where it is passed. */
export function checkSize(
  code: string,
  policy: Pick<PolicyConfig, "max_chars" | "max_lines">,
): PolicyViolation[] {
  const violations: PolicyViolation[] = [];
  let chars = 0;
  let line = 1;
  let col = 0;
  let charsOver: { line: number; col: number } | undefined;
  let previous = "";
  for (const ch of code) {
    chars++;
    if (chars === policy.max_chars + 1) charsOver = { line, col };
    if (ch === "\n" && previous === "\r") {
      previous = ch;
      continue; // \r\n is one line break
    }
    if (ch === "\n" || ch === "\r") {
      line++;
      col = 0;
    } else {
      col++;
    }
    previous = ch;
  }
  // A final line break ends the last line; it does not start a new one.
  const lines = code.length === 0 ? 0 : line - (/[\r\n]$/.test(code) ? 1 : 0);
  if (charsOver) {
    violations.push({
      rule: "max_chars",
      ...charsOver,
      message: `the code has ${chars} characters, more than the ${policy.max_chars} allowed ` +
        `(max_chars; line ${charsOver.line}, col ${charsOver.col} is the first one over); ` +
        "shorten it (helper functions and loops instead of repetition, no pasted data) " +
        "or split the work across several runs",
    });
  }
  if (lines > policy.max_lines) {
    const over = policy.max_lines + 1;
    violations.push({
      rule: "max_lines",
      line: over,
      col: 0,
      message: `the code has ${lines} lines, more than the ${policy.max_lines} allowed ` +
        `(max_lines; line ${over}, col 0 is the first one over); ` +
        "shorten it or split the work across several runs",
    });
  }
  return violations;
}

/** The POLICY_VIOLATION error listing `violations` (at most {@link MAX_LISTED_VIOLATIONS}). */
export function policyError(violations: PolicyViolation[]): RunError {
  const listed = violations.slice(0, MAX_LISTED_VIOLATIONS);
  return {
    code: "POLICY_VIOLATION",
    message: policyMessage(listed.map((v) => v.message), violations.length),
    violations: listed,
  };
}

/** The text of a POLICY_VIOLATION: a header, then one line per violation. */
export function policyMessage(messages: string[], total: number): string {
  const places = total === 1 ? "1 place" : `${total} places`;
  const lines = messages.map((m) => `- ${m}`);
  if (total > messages.length) lines.push(`- … and ${total - messages.length} more`);
  return `The code was not run: it breaks the sandbox policy in ${places}. ` +
    `Fix ${total === 1 ? "it" : "each one"} and run it again:\n${lines.join("\n")}`;
}
