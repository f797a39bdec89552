/**
 * Approvals for one MCP server (one stdio connection or HTTP session): the session's decisions
 * (kept by its {@link ClientScope}) and, for each `execute_code` / `run_agent` request, the
 * {@link ApprovalGate} that asks that request's own client and records every call in the audit log.
 */
import type { ToolDispatcher } from "../contracts.ts";
import type { ApprovalConfig } from "../approval/approval_config.ts";
import { ApprovalConfigSchema } from "../approval/approval_config.ts";
import { AuditLog } from "../approval/audit_log.ts";
import { mcpAsker } from "../approval/elicit.ts";
import { ApprovalGate } from "../approval/gate.ts";
import type { McpServer } from "../mcp_sdk.ts";
import type { ClientScope } from "./client_scope.ts";

/**
 * What an approval gate needs of the request it serves (the SDK's `RequestHandlerExtra`); how the
 * conversation reaches us comes from its {@link ClientScope}, not from the request.
 */
export interface RequestInfo {
  requestId: string | number;
}

/**
 * Returns the dispatcher of one request: `broker` behind an approval gate (none without it) that
 * keeps decisions in `scope` and names it in the audit log by the scope's label.
 */
export function approvalGates(
  server: McpServer,
  scope: ClientScope,
  broker: ToolDispatcher | undefined,
  config: ApprovalConfig = ApprovalConfigSchema.parse({}),
): (request: RequestInfo) => ToolDispatcher | undefined {
  const audit = config.audit_log
    ? AuditLog.shared(config.audit_log, config.redact, { maxBytes: config.audit_max_bytes })
    : undefined;
  return (request) => {
    if (!broker) return undefined;
    return new ApprovalGate({
      inner: broker,
      asker: mcpAsker(server, request.requestId, { stateless: scope.stateless }),
      session: scope.approvals,
      config,
      audit,
    });
  };
}
