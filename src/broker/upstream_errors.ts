/**
 * What a failed upstream call means, decided by the v2 SDK's error codes (`SdkError.code`, a
 * string such as `CONNECTION_CLOSED`, and `ProtocolError.code`, the JSON-RPC number), never by
 * the wording of a message: a closed connection makes the upstream unavailable, a request timeout
 * is `TIMEOUT`, a response dropped for its size is `RESULT_TOO_LARGE`, a result that breaks the MCP
 * schema is `INVALID_RESULT`, and any other error the upstream answers is the tool's `TOOL_ERROR`.
 */
import type { ToolErrorCode } from "../contracts.ts";
import { ProtocolError, SdkError, SdkErrorCode } from "../mcp_client_sdk.ts";
import { RESULT_TOO_LARGE_RPC_CODE } from "./stdio_client_transport.ts";

/** The codes an upstream call can fail with (a subset of the contract's tool codes). */
export type UpstreamFailureCode = Extract<
  ToolErrorCode,
  | "UPSTREAM_UNAVAILABLE"
  | "TOOL_ERROR"
  | "TIMEOUT"
  | "CANCELLED"
  | "RESULT_TOO_LARGE"
  | "INVALID_RESULT"
>;

/** A failed call; `lost` when the connection is gone (the upstream is restarted on next use). */
export type CallFailure = { code: UpstreamFailureCode; message: string; lost: boolean };

/** What the messages name. */
export interface CallContext {
  server: string;
  tool: string;
  timeoutMs: number;
  /** The call's signal fired (the run ended or was cancelled). */
  aborted: boolean;
}

/** Classifies an error thrown by `Client.callTool`. */
export function classifyCallError(error: unknown, context: CallContext): CallFailure {
  const label = `${context.server}.${context.tool}`;
  if (context.aborted) {
    return { code: "CANCELLED", message: "The call was cancelled.", lost: false };
  }
  if (error instanceof SdkError) return classifySdkError(error, context, label);
  if (error instanceof ProtocolError) {
    const size = tooLarge(error);
    if (size) {
      return {
        code: "RESULT_TOO_LARGE",
        message: resultTooLargeMessage(context.server, label, size.bytes, size.limit),
        lost: false,
      };
    }
    return { code: "TOOL_ERROR", message: error.message, lost: false };
  }
  if (error instanceof Error && error.name === "ZodError") {
    return {
      code: "INVALID_RESULT",
      message: `The result of ${label} does not follow the MCP schema (${oneLine(error.message)}).`,
      lost: false,
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: "UPSTREAM_UNAVAILABLE", message, lost: true };
}

/** The SDK's own errors: the connection, the timeout, a result that fails its schema. */
function classifySdkError(error: SdkError, context: CallContext, label: string): CallFailure {
  switch (error.code) {
    case SdkErrorCode.ConnectionClosed:
    case SdkErrorCode.NotConnected:
    case SdkErrorCode.SendFailed:
      return { code: "UPSTREAM_UNAVAILABLE", message: error.message, lost: true };
    case SdkErrorCode.RequestTimeout:
      return {
        code: "TIMEOUT",
        message: `"${context.server}" did not answer ${label} within ${context.timeoutMs} ms; ` +
          `raise servers.${context.server}.timeout_ms if it needs longer.`,
        lost: false,
      };
    case SdkErrorCode.InvalidResult:
      return {
        code: "INVALID_RESULT",
        message: `The result of ${label} does not follow the MCP schema (${
          oneLine(error.message)
        }).`,
        lost: false,
      };
    default:
      return { code: "TOOL_ERROR", message: error.message, lost: false };
  }
}

/** The message of a result past `servers.<server>.max_result_bytes`. */
export function resultTooLargeMessage(
  server: string,
  label: string,
  bytes: number,
  limit: number,
): string {
  return `The result of ${label} is ${bytes.toLocaleString("en-US")} bytes, over the limit of ` +
    `${limit.toLocaleString("en-US")} bytes (servers.${server}.max_result_bytes); ask for less ` +
    "(a range, a page, a filter) or raise that setting.";
}

/** The message of a call to an upstream that cannot be reached. */
export function unavailableMessage(server: string, reason: string): string {
  return `The upstream server "${server}" is unavailable (${reason}).`;
}

function tooLarge(error: ProtocolError): { bytes: number; limit: number } | null {
  if (error.code !== RESULT_TOO_LARGE_RPC_CODE) return null;
  const data = error.data as { bytes?: unknown; limit?: unknown } | undefined;
  if (typeof data?.bytes !== "number" || typeof data?.limit !== "number") return null;
  return { bytes: data.bytes, limit: data.limit };
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > 300 ? `${flat.slice(0, 300)}…` : flat;
}

/**
 * Why a stdio upstream's process could not be started, in the configuration's words (`spawn x
 * ENOENT` is a command not found, or a `cwd` that does not exist); undefined for other errors.
 */
export function spawnFailure(
  error: unknown,
  server: string,
  config: { command: string; cwd?: string },
  exists: (path: string) => boolean,
): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  const syscall = String((error as { syscall?: unknown } | null)?.syscall ?? "");
  if (!syscall.startsWith("spawn")) return undefined;
  if (config.cwd && !exists(config.cwd)) {
    return `its working folder ${config.cwd} does not exist (servers.${server}.cwd); create it ` +
      "or fix the setting";
  }
  if (code === "ENOENT") {
    return `the command "${config.command}" was not found (servers.${server}.command); install ` +
      "it, or give its full path";
  }
  if (code === "EACCES") {
    return `the command "${config.command}" may not be run (servers.${server}.command): it is ` +
      "not executable";
  }
  return undefined;
}
