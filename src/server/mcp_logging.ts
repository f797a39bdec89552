/**
 * MCP logging for one server (one session). The SDK's `Server` handles `logging/setLevel` (the
 * server declares the `logging` capability) and drops a message below the level its client chose;
 * until the client chooses, the SDK sends every level. A session's logger sends only lines about
 * that session to that session's client, so no client sees another's lines or session id;
 * host-wide lines (`log` alone) go to stderr only.
 */
import { log, type LogLevel } from "../log.ts";
import type { LoggingLevel, McpServer } from "../mcp_sdk.ts";

const MCP_LEVEL: Record<LogLevel, LoggingLevel> = {
  debug: "debug",
  info: "info",
  warn: "warning",
  error: "error",
};

/** Logs a line about one session: to stderr, and to that session's client. */
export type SessionLog = (level: LogLevel, message: string) => void;

/** The logger of `server`'s session (its lines reach its client as `notifications/message`). */
export function sessionLogger(server: McpServer): SessionLog {
  return (level, message) => {
    log(level, message);
    if (!server.isConnected()) return;
    const params = { level: MCP_LEVEL[level], logger: "mcp-code-mode", data: message };
    server.server.sendLoggingMessage(params, server.server.transport?.sessionId)
      .catch(() => {}); // the session went away: nothing to tell it
  };
}
