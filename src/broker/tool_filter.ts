/**
 * A server's `tools: { allow, deny }` filter: glob patterns (picomatch; `*`, `?`, `[…]`, `{a,b}`)
 * matched against the upstream's tool names, deny winning over allow.
 */
// @ts-types="@types/picomatch"
import picomatch from "picomatch";

/** The `tools` entry of a server in the configuration. */
export interface ToolFilter {
  allow?: string[];
  deny?: string[];
}

const OPTIONS = { bash: true, dot: true, noextglob: true } as const;

/** True when `name` matches one glob `pattern` (the syntax of `tools.allow`/`tools.deny`). */
export function matches(pattern: string, name: string): boolean {
  return picomatch.isMatch(name, pattern, OPTIONS);
}

/** True when a tool named `name` passes `filter` (no filter: every tool). */
export function allowed(name: string, filter?: ToolFilter): boolean {
  if (!filter) return true;
  if (filter.allow && !picomatch.isMatch(name, filter.allow, OPTIONS)) return false;
  return !(filter.deny?.length && picomatch.isMatch(name, filter.deny, OPTIONS));
}
