/**
 * The host's logger: one line per event on stderr (stdout belongs to the MCP protocol), at or
 * above the level in `MCP_CODE_MODE_LOG` (default `info`; another value is warned about once). These lines are the
 * operator's: they go to no MCP client. A line about one session goes to that session's client too, through its
 * own logger (`sessionLogger` in `src/server/mcp_logging.ts`). What a line quotes may come from
 * an upstream or a program, so every line has its control characters escaped (see
 * `src/formatting/terminal_text.ts`); a message's own line breaks continue it on lines indented
 * by two spaces, so no text can forge a line of its own (a config error lists its problems one a
 * line). A message is cut at {@link MAX_LOG_LINE_CHARS}, saying how much was left out: nothing
 * reaches the operator's terminal that could drive it.
 */
import { terminalLine } from "./formatting/terminal_text.ts";

/** Log levels, least to most severe. */
export type LogLevel = "debug" | "info" | "warn" | "error";

const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };
const encoder = new TextEncoder();
/** Longest message of one log line, in characters once escaped. */
export const MAX_LOG_LINE_CHARS = 4000;
const threshold: LogLevel = initialLevel();

function initialLevel(): LogLevel {
  let wanted: string | undefined;
  try {
    wanted = Deno.env.get("MCP_CODE_MODE_LOG");
  } catch {
    return "info"; // no env permission
  }
  if (!wanted || Object.hasOwn(ORDER, wanted)) return (wanted || "info") as LogLevel;
  write(
    "warn",
    `MCP_CODE_MODE_LOG="${wanted.slice(0, 40)}" is not a log level; use ` +
      `${Object.keys(ORDER).join(", ").replace(/, (\w+)$/, " or $1")}. Logging at info.`,
  );
  return "info";
}

/** Writes one line to stderr when `level` is at or above the threshold. */
export function log(level: LogLevel, message: string): void {
  if (ORDER[level] >= ORDER[threshold]) write(level, message);
}

/**
 * `message` bounded, with its control characters escaped and each line break a continuation line
 * indented by two spaces (never a line that could pass for a log line of its own). Pure.
 */
export function logLine(message: string): string {
  const line = message.split(/\r?\n/).map(terminalLine).join("\n  ");
  if (line.length <= MAX_LOG_LINE_CHARS) return line;
  let end = MAX_LOG_LINE_CHARS;
  if (/[\ud800-\udbff]/.test(line[end - 1])) end--; // never split a surrogate pair
  return `${line.slice(0, end)}… (${line.length - end} more characters)`;
}

function write(level: LogLevel, message: string): void {
  try {
    Deno.stderr.writeSync(encoder.encode(`[mcp-code-mode] ${level}: ${logLine(message)}\n`));
  } catch {
    // stderr closed: nothing left to tell
  }
}
