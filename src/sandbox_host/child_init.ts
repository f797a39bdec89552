/**
 * What the host tells a sandbox child first (`init`: nonce, limits, the snapshot's stretches and,
 * in worker isolation, the bundle's size), and how a child that ended before it was ready is
 * described.
 */
import type { SandboxConfig } from "../config.ts";
import type { HostMessage } from "../relay/protocol.ts";

/** The `init` message; `bundleBytes` > 0 asks for worker isolation. */
export function initMessage(
  config: SandboxConfig,
  nonce: string,
  snapshotBytes: number,
  runs: Array<[number, number]>,
  bundleBytes: number,
): HostMessage {
  return {
    type: "init",
    nonce,
    snapshot_bytes: snapshotBytes,
    snapshot_runs: runs,
    limits: {
      output_bytes: config.output_bytes,
      output_hard_bytes: config.output_hard_bytes,
      result_bytes: config.result_bytes,
    },
    ...(bundleBytes > 0
      ? { isolation: { bundle_bytes: bundleBytes, recycle_after: config.recycle_after } }
      : {}),
  };
}

/** Why a child is not ready: how it ended, and the last lines of its stderr. */
export function startFailure(status: Deno.CommandStatus, stderrTail: string): string {
  const tail = stderrTail.trim().split("\n").slice(-3).join(" | ");
  return `exited with ${status.signal ?? `code ${status.code}`} before it was ready` +
    (tail ? `: ${tail}` : "");
}
