/**
 * The host's logger. Everything goes to stderr: stdout belongs to the MCP protocol. Sinks (one per
 * connected MCP session, see `src/server/mcp_logging.ts`) also receive every line, whatever the
 * stderr threshold, and forward it as an MCP log notification at the level their client chose.
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

/** Receives every log line (must not throw, and must not call {@link log}). */
export type LogSink = (level: LogLevel, message: string) => void;

const sinks = new Set<LogSink>();
let forwarding = false;

/** Adds a sink; returns the function that removes it. */
export function addLogSink(sink: LogSink): () => void {
  sinks.add(sink);
  return () => sinks.delete(sink);
}

/** How many sinks are attached (one per open MCP session). */
export function logSinkCount(): number {
  return sinks.size;
}

/** True when `level` is at least as severe as `minimum`. */
export function atLeast(level: LogLevel, minimum: LogLevel): boolean {
  return ORDER[level] >= ORDER[minimum];
}

/** Writes one line to stderr when `level` is at or above the threshold, and hands it to sinks. */
export function log(level: LogLevel, message: string): void {
  if (sinks.size > 0 && !forwarding) {
    forwarding = true; // a sink that logs must not loop
    try {
      for (const sink of sinks) {
        try {
          sink(level, message);
        } catch {
          // a broken sink must not break logging
        }
      }
    } finally {
      forwarding = false;
    }
  }
  if (ORDER[level] < ORDER[threshold]) return;
  try {
    Deno.stderr.writeSync(encoder.encode(`[mcp-code-mode] ${level}: ${message}\n`));
  } catch {
    // stderr closed: nothing left to tell
  }
}
