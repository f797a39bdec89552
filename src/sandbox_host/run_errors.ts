/**
 * The failures the host itself reports for an execution: one constructor for a failed result and
 * the sentence of every host-side limit, each naming what happened and what to do.
 */
import type { ExecResult, RunError, ToolCallRecord } from "../contracts.ts";
import type { SandboxConfig } from "../config.ts";
import type { Refusal } from "./admission.ts";

/** A failed result with no output (the child never reported one). */
export function failure(
  error: RunError,
  started: number,
  toolCalls: ToolCallRecord[] = [],
): ExecResult {
  return {
    ok: false,
    stdout: "",
    stderr: "",
    error,
    tool_calls: toolCalls,
    duration_ms: elapsed(started),
  };
}

/** Milliseconds since `started` (a `performance.now()`), to a tenth. */
export function elapsed(started: number): number {
  return round(performance.now() - started);
}

/** `ms` to a tenth of a millisecond. */
export function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

/** TIMEOUT: the run passed its wall-clock limit. */
export function timeoutMessage(timeoutMs: number): string {
  return `The program did not finish within ${timeoutMs} ms and was stopped; ` +
    "make it do less per run, or pass a larger timeout_ms.";
}

/** CANCELLED: the caller withdrew the request. */
export const CANCELLED_MESSAGE = "The execution was cancelled by the client before it finished.";

/** MEMORY_LIMIT: the child passed its own memory cap. */
export function memoryMessage(config: SandboxConfig): string {
  return `The program used more memory than allowed (${config.rss_limit_mb} MB resident, ` +
    `${config.memory_mb} MB for Python) and was stopped; process the data in smaller pieces.`;
}

/** TOOL_CALL_LIMIT: the run asked for more tool calls than allowed. */
export function toolCallLimitMessage(maxToolCalls: number): string {
  return `This run made more than ${maxToolCalls} tool calls (sandbox.max_tool_calls); ` +
    "batch the work into fewer calls, split it across runs, or raise sandbox.max_tool_calls.";
}

/** PROTOCOL_VIOLATION: the child broke the relay protocol. */
export function protocolMessage(reason: string): string {
  return `The sandbox broke the relay protocol (${reason}) and was stopped. ` +
    "Write output with print(); never write to the process's real stdout.";
}

/** SANDBOX_CRASH: the child ended before it reported a result. */
export function crashMessage(status: Deno.CommandStatus, stderrTail: string): string {
  const how = status.signal ?? `exit code ${status.code}`;
  const last = stderrTail.trim().split("\n").at(-1)?.trim();
  return `The sandbox process ended (${how}) before the program finished ` +
    "(did it call os._exit or Deno.exit?). Nothing was lost on the host; run it again without that." +
    (last ? ` Its last words: ${last.slice(0, 300)}` : "");
}

/** MEMORY_LIMIT: all children together passed `total_rss_mb`, and this run was the largest. */
export function totalMemoryMessage(totalMb: number, budgetMb: number, ownMb: number): string {
  return `The sandbox children together used ${Math.round(totalMb)} MB, more than ` +
    `sandbox.total_rss_mb (${budgetMb} MB); this program was the largest (${
      Math.round(ownMb)
    } MB) ` +
    "and was stopped. Process the data in smaller pieces, or raise sandbox.total_rss_mb.";
}

/** BUSY: no slot became free within `queue_timeout_ms`. */
export function busyMessage(
  running: number,
  waiting: number,
  maxConcurrent: number,
  queueTimeoutMs: number,
): string {
  return `The server is busy: ${running} executions are running (sandbox.max_concurrent is ` +
    `${maxConcurrent}) and ${waiting} more are waiting, so this one could not start within ` +
    `sandbox.queue_timeout_ms (${queueTimeoutMs} ms). Try again shortly, or raise ` +
    "sandbox.max_concurrent (or sandbox.queue_timeout_ms) in the configuration.";
}

/** SHUTTING_DOWN: the server stopped while the execution ran or waited. */
export const SHUTTING_DOWN_MESSAGE =
  "The server is shutting down, so this execution was stopped before it finished; " +
  "run it again after the server restarts.";

/** The error of a run the server is shutting down under. */
export const SHUTTING_DOWN: RunError = { code: "SHUTTING_DOWN", message: SHUTTING_DOWN_MESSAGE };

/** Why admission refused a run, as the run's error (BUSY names the setting to raise). */
export function refusalError(
  reason: Refusal,
  running: number,
  waiting: number,
  config: Pick<SandboxConfig, "max_concurrent" | "queue_timeout_ms">,
): RunError {
  if (reason === "closed") return SHUTTING_DOWN;
  if (reason === "cancelled") return { code: "CANCELLED", message: CANCELLED_MESSAGE };
  return {
    code: "BUSY",
    message: busyMessage(running, waiting, config.max_concurrent, config.queue_timeout_ms),
  };
}
