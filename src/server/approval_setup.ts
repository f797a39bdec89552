/**
 * Approvals for one MCP server (one stdio connection or HTTP session): keeps the session's
 * decisions and builds, for each `execute_code` / `run_agent` request, the {@link ApprovalGate}
 * that asks that request's own client and records every call in the audit log.
 */
import type { ToolDispatcher } from "../contracts.ts";
import type { ApprovalConfig } from "../approval/approval_config.ts";
import { ApprovalConfigSchema } from "../approval/approval_config.ts";
import { AuditLog } from "../approval/audit_log.ts";
import { mcpAsker } from "../approval/elicit.ts";
import { ApprovalGate, SessionApprovals } from "../approval/gate.ts";
import type { McpServer } from "../mcp_sdk.ts";

/** What a tool handler knows about the request it serves (the SDK's `RequestHandlerExtra`). */
export interface RequestInfo {
  requestId: string | number;
  sessionId?: string;
  requestInfo?: unknown;
}

/** Returns the dispatcher of one request: `broker` behind an approval gate (none without it). */
export function approvalGates(
  server: McpServer,
  broker: ToolDispatcher | undefined,
  config: ApprovalConfig = ApprovalConfigSchema.parse({}),
): (request: RequestInfo) => ToolDispatcher | undefined {
  const session = new SessionApprovals();
  const audit = config.audit_log
    ? AuditLog.shared(config.audit_log, config.redact, { maxBytes: config.audit_max_bytes })
    : undefined;
  return (request) => {
    if (!broker) return undefined;
    const label = request.sessionId ?? (request.requestInfo ? "stateless" : "stdio");
    return new ApprovalGate({
      inner: broker,
      asker: mcpAsker(server, request.requestId, { stateless: label === "stateless" }),
      session,
      config,
      audit,
      sessionLabel: label,
    });
  };
}
