/**
 * Starting a sandbox child process: the process itself (its whole environment and working folder
 * from the command, all three pipes), what the host tells it first (`init`: nonce, limits, the
 * snapshot's stretches and, in worker isolation, the bundle's size), the tail kept of its stderr,
 * and how a child that ended before it was ready is described.
 */
import type { SandboxConfig } from "../config.ts";
import type { HostMessage } from "../relay/protocol.ts";
import type { ChildCommand } from "./paths.ts";

/** Options for `SandboxChild.spawn`. */
export interface SpawnOptions {
  /** Sandbox limits. */
  config: SandboxConfig;
  /** The memory snapshot to start from. */
  snapshot: Uint8Array;
  /** The (empty) working directory. */
  cwd: string;
  /** Another command than the default one (tests start the binary's sandbox mode this way). */
  command?: ChildCommand;
  /** Also read the child's CPU time at the end of each start phase (the bench does). */
  measureStart?: boolean;
  /** Worker isolation: the interpreter's bundled code (`interpreter_bundle.ts`). */
  bundle?: Uint8Array;
}

/** How much of a child's stderr is kept. */
const STDERR_TAIL = 4096;

/** A fresh frame nonce. */
export function newNonce(): string {
  return crypto.randomUUID().replaceAll("-", "");
}

/** The stretches `runs` (`[offset, length]`) of `snapshot`, as views, in order. */
export function stretches(snapshot: Uint8Array, runs: Array<[number, number]>): Uint8Array[] {
  return runs.map(([offset, length]) => snapshot.subarray(offset, offset + length));
}

/** Spawns the child's process with `command` (in `cwd` unless the command names its own). */
export function spawnProcess(command: ChildCommand, cwd: string): Deno.ChildProcess {
  return new Deno.Command(command.path, {
    args: command.args,
    clearEnv: true,
    env: command.env,
    cwd: command.cwd ?? cwd,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/** Reads `stream` to its end, telling `onTail` its last 4 KiB of text after each chunk. */
export async function keepTail(
  stream: ReadableStream<Uint8Array>,
  onTail: (tail: string) => void,
): Promise<void> {
  const decoder = new TextDecoder();
  let tail = "";
  try {
    for await (const chunk of stream) {
      tail = (tail + decoder.decode(chunk, { stream: true })).slice(-STDERR_TAIL);
      onTail(tail);
    }
  } catch {
    // the pipe broke: the child is gone
  }
}

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
