/**
 * Which MCP protocol era the broker's client asks an upstream for (`servers.<name>.protocol`),
 * as the v2 client's `versionNegotiation` option, and when a failed `"auto"` connect means the
 * server ended at the `server/discover` probe (some 2025-era servers exit on any request before
 * `initialize`): then it is started again with the 2025 handshake alone, and stays on it.
 */
import { ProtocolError, ProtocolErrorCode, SdkError, SdkErrorCode } from "../mcp_client_sdk.ts";

/** The configured choice. */
export type ProtocolSetting = "auto" | "legacy" | "2026-07-28";

/** The client's negotiation mode: probe, 2025 only, or one pinned revision. */
export type NegotiationMode = "auto" | "legacy" | { pin: string };

/**
 * Over stdio the probe waits at most this long: a server silent on its pipe is a 2025-era one,
 * and the SDK then goes on with `initialize` on the same pipe. Over HTTP silence is an outage, so
 * the probe gets the whole connect timeout there.
 */
export const STDIO_PROBE_TIMEOUT_MS = 10_000;

/** The v2 client's `versionNegotiation` option for a setting, the transport and the timeout. */
export function versionNegotiation(
  setting: ProtocolSetting,
  timeoutMs: number,
  stdio: boolean,
): { mode: NegotiationMode; probe?: { timeoutMs: number } } {
  if (setting === "legacy") return { mode: "legacy" };
  const probe = { timeoutMs: stdio ? Math.min(timeoutMs, STDIO_PROBE_TIMEOUT_MS) : timeoutMs };
  return setting === "auto" ? { mode: "auto", probe } : { mode: { pin: setting }, probe };
}

/**
 * True when an `"auto"` connect failed because a stdio server's process ended during the
 * negotiation (the SDK's `ERA_NEGOTIATION_FAILED`, or a closed connection, with the process gone).
 */
export function endedAtProbe(setting: ProtocolSetting, error: unknown, exited: boolean): boolean {
  if (setting !== "auto" || !exited || !(error instanceof SdkError)) return false;
  return error.code === SdkErrorCode.EraNegotiationFailed ||
    error.code === SdkErrorCode.ConnectionClosed;
}

/**
 * Advice for a connect that failed for its era: a pinned revision the server does not offer, or
 * a server that refused the 2025 handshake (`-32022`, naming the revisions it supports).
 */
export function eraAdvice(setting: ProtocolSetting, server: string, error: unknown): string {
  const key = `servers.${server}.protocol`;
  if (error instanceof SdkError && error.code === SdkErrorCode.EraNegotiationFailed) {
    if (setting === "auto") return "";
    return `; the server does not offer protocol ${setting}: set ${key} to "auto" to allow the ` +
      "2025 handshake";
  }
  if (
    error instanceof ProtocolError && error.code === ProtocolErrorCode.UnsupportedProtocolVersion
  ) {
    const supported = (error.data as { supported?: unknown } | undefined)?.supported;
    const offered = Array.isArray(supported) ? ` (it offers ${supported.join(", ")})` : "";
    return `; the server refused that protocol version${offered}: set ${key} to "auto"`;
  }
  return "";
}
