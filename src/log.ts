/**
 * The host's logger: one line per event on stderr (stdout belongs to the MCP protocol), at or
 * above the level in `MCP_CODE_MODE_LOG` (default `info`). These lines are the operator's: they
 * go to no MCP client. A line about one session goes to that session's client too, through its
 * own logger (`sessionLogger` in `src/server/mcp_logging.ts`).
 */

/** Log levels, least to most severe. */
export type LogLevel = "debug" | "info" | "warn" | "error";

const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };
const encoder = new TextEncoder();
const threshold: LogLevel = initialLevel();

function initialLevel(): LogLevel {
  try {
    const wanted = Deno.env.get("MCP_CODE_MODE_LOG");
    return wanted && wanted in ORDER ? wanted as LogLevel : "info";
  } catch {
    return "info"; // no env permission
  }
}

/** Writes one line to stderr when `level` is at or above the threshold. */
export function log(level: LogLevel, message: string): void {
  if (ORDER[level] < ORDER[threshold]) return;
  try {
    Deno.stderr.writeSync(encoder.encode(`[mcp-code-mode] ${level}: ${message}\n`));
  } catch {
    // stderr closed: nothing left to tell
  }
}
