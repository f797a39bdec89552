/**
 * Progress of `execute_code` for a client that asks for it (a progress token in the request):
 * each progress report an upstream sends about a tool call in flight becomes one MCP progress
 * notification, so a person sees a long call move and a client can keep its own timeout alive.
 */
import type { ToolProgress } from "../contracts.ts";

/** A progress notification as a tool handler sends it. */
export interface ProgressNotification {
  method: "notifications/progress";
  params: { progressToken: string | number; progress: number; total?: number; message?: string };
}

/** What a tool handler knows about its request's progress token (the SDK's request extra). */
export interface ProgressRequest {
  _meta?: { progressToken?: string | number };
  sendNotification: (notification: ProgressNotification) => Promise<void>;
}

/**
 * The reporter of one request, or undefined without a progress token. Reports from every call
 * of the run are counted in one sequence (MCP wants `progress` to increase); the message says
 * which tool reported what, e.g. `server-everything.trigger-long-running-operation: 1/5`.
 */
export function toolProgressReporter(
  request: ProgressRequest,
): ((report: ToolProgress) => void) | undefined {
  const token = request._meta?.progressToken;
  if (token === undefined) return undefined;
  let count = 0;
  return (report) => {
    count += 1;
    request.sendNotification({
      method: "notifications/progress",
      params: { progressToken: token, progress: count, message: progressMessage(report) },
    }).catch(() => {}); // the request may have ended: a late report has no one to tell
  };
}

/** `server.tool: progress[/total][ (message)]`. */
export function progressMessage(report: ToolProgress): string {
  const total = report.total === undefined ? "" : `/${report.total}`;
  const note = report.message ? ` (${report.message})` : "";
  return `${report.server}.${report.tool}: ${report.progress}${total}${note}`;
}
