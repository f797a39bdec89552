/**
 * MCP logging for one server (one session): `logging/setLevel` sets the session's minimum level
 * (default `info`), and every host log line at or above it is sent to the client as a
 * `notifications/message`. Works the same over stdio and HTTP.
 */
import { addLogSink, type LogLevel } from "../log.ts";
import { type LoggingLevel, type McpServer, SetLevelRequestSchema } from "../mcp_sdk.ts";

const MCP_LEVELS: readonly LoggingLevel[] = [
  "debug",
  "info",
  "notice",
  "warning",
  "error",
  "critical",
  "alert",
  "emergency",
];
const FROM_HOST: Record<LogLevel, LoggingLevel> = {
  debug: "debug",
  info: "info",
  warn: "warning",
  error: "error",
};

/** Options for {@link attachMcpLogging}. */
export interface McpLoggingOptions {
  /** Level used until the client sends `logging/setLevel` (default `info`). */
  initial?: LoggingLevel;
}

/** Forwards host log lines to the client of `server`; returns the function that stops it. */
export function attachMcpLogging(server: McpServer, options: McpLoggingOptions = {}): () => void {
  let minimum: LoggingLevel = options.initial ?? "info";
  server.server.setRequestHandler(
    SetLevelRequestSchema,
    (request: { params: { level: LoggingLevel } }) => {
      minimum = request.params.level;
      return {};
    },
  );
  const remove = addLogSink((level, message) => {
    const mcpLevel = FROM_HOST[level];
    if (MCP_LEVELS.indexOf(mcpLevel) < MCP_LEVELS.indexOf(minimum)) return;
    if (!server.isConnected()) return;
    server.server.sendLoggingMessage({ level: mcpLevel, logger: "mcp-code-mode", data: message })
      .catch(() => {}); // the session went away: nothing to tell it
  });
  const previous = server.server.onclose;
  server.server.onclose = () => {
    remove();
    previous?.();
  };
  return remove;
}
