/**
 * The host's logger. Everything goes to stderr: stdout belongs to the MCP protocol.
 */

/** Log levels, least to most severe. */
export type LogLevel = "debug" | "info" | "warn" | "error";

const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };
const encoder = new TextEncoder();
let threshold: LogLevel = initialLevel();

function initialLevel(): LogLevel {
  try {
    const wanted = Deno.env.get("MCP_CODE_MODE_LOG");
    return wanted && wanted in ORDER ? wanted as LogLevel : "info";
  } catch {
    return "info"; // no env permission
  }
}

/** Sets the least severe level that is printed. */
export function setLogLevel(level: LogLevel): void {
  threshold = level;
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
