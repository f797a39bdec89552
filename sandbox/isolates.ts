/**
 * Worker isolation, the child process's side: its main thread serves each interpreter in a fresh
 * Worker — its own V8 isolate, JavaScript globals and Pyodide memory (restored from a copy of the
 * snapshot of its own); only the compiled wasm module is shared — started from the interpreter's bundled code
 * in a `blob:` URL (a Worker's modules would otherwise need read permission). The main thread runs
 * no program code: it keeps each interpreter's deadline on its own clock (the Worker asks it to
 * arm and pause), ends the Worker when it reports its end, and exits once the host is gone.
 *
 * The snapshot stays in the main thread, out of every Worker's reach: Pyodide keeps a view of the
 * buffer it restored from (`_api.config._loadSnapshot`), so a Worker given a shared one could
 * write into the image every later interpreter starts from. Each Worker gets a copy of its own
 * (its non-zero stretches copied into a zeroed buffer, transferred), which it detaches once
 * restored.
 *
 * Between two interpreters it fences stdin: a terminated Worker's pending read of stdin is not
 * cancelled (the runtime finishes it in a thread of its own and drops the bytes), so an earlier
 * program could take part of what the host sends next. The main thread says `recycle` and must
 * then read exactly the host's `fence` line (which names the next interpreter's nonce) and nothing
 * more; otherwise the process exits. A pending read left behind is first in line for the fence, so
 * the main thread then never gets it: the host, which hears of no `fence` phase, kills the process
 * and starts another. After `recycle_after`
 * interpreters, or one that ended with an answer still awaited, it exits as well.
 */
import type { HostMessage } from "../src/relay/protocol.ts";
import type { ByteReader } from "./byte_reader.ts";
import { parseJson } from "./primordials.ts";
import type { SandboxAssets } from "./pyodide_loader.ts";
import { Relay } from "./relay.ts";

type Init = Extract<HostMessage, { type: "init" }>;

/** What an interpreter's Worker is started with (its first message). */
export interface IsolateStart {
  init: Init;
  /** This Worker's own copy of the snapshot (transferred: nothing else holds it). */
  snapshot: ArrayBuffer;
  assets: SandboxAssets;
  /** Pyodide's interrupt buffer: the main thread writes SIGINT into it at the deadline. */
  interrupt: SharedArrayBuffer;
  /** Run the warm-up (the process's first interpreter: it compiles the shared wasm code). */
  warmUp: boolean;
}

/** What an interpreter's Worker tells the main thread. */
export type IsolateMessage =
  | { type: "arm"; ms: number }
  | { type: "pause" }
  | { type: "blob"; url: string }
  | { type: "ended"; reusable: boolean };

/** Options for {@link serveIsolates}. */
export interface IsolatesOptions {
  init: Init;
  reader: ByteReader;
  writeStdout: (bytes: Uint8Array) => void;
  exit: (code?: number) => never;
  assets: SandboxAssets;
  /** The interpreter's code, bundled into one JavaScript module. */
  bundle: Uint8Array<ArrayBuffer>;
  /** The snapshot (the main thread's: no Worker ever gets this buffer). */
  snapshot?: Uint8Array<ArrayBuffer>;
}

const PARENT_POLL_MS = 250;
/** Blob URLs an interpreter may make and still leave its process reusable. */
const MAX_BLOB_URLS = 1000;

/** Serves interpreters one after the other, each in a fresh Worker; exits, never returns. */
export async function serveIsolates(options: IsolatesOptions): Promise<never> {
  const { init, reader, exit, assets } = options;
  if (!options.snapshot) return exit(70);
  const recycleAfter = init.isolation?.recycle_after ?? 1;
  const url = URL.createObjectURL(new Blob([options.bundle], { type: "text/javascript" }));
  const snapshot = options.snapshot;
  const runs = init.snapshot_runs ?? [[0, init.snapshot_bytes]];
  const parent = Deno.ppid;
  setInterval(() => Deno.ppid !== parent && exit(0), PARENT_POLL_MS);
  const relay = (nonce: string) => new Relay(nonce, reader, options.writeStdout, () => exit(0));
  let nonce = init.nonce;
  for (let served = 1;; served++) {
    const interrupt = new SharedArrayBuffer(4);
    // Once its Worker runs, a fenced interpreter says so (the host then checks it is the only one).
    const fenced = served > 1 ? relay(nonce) : undefined;
    const reusable = await runIsolate(url, () => {
      fenced?.send({ type: "phase", name: "fence" });
      const copy = copyRuns(snapshot, runs);
      return { init: { ...init, nonce }, snapshot: copy, assets, interrupt, warmUp: served === 1 };
    });
    if (!reusable || served >= recycleAfter) return exit(0);
    nonce = await fence(relay(nonce), reader, exit);
  }
}

/** A copy of `bytes` in a fresh buffer: only its non-zero `runs` are written (the rest stays zero). */
function copyRuns(bytes: Uint8Array, runs: Array<[number, number]>): ArrayBuffer {
  const copy = new Uint8Array(bytes.length);
  for (const [offset, size] of runs) copy.set(bytes.subarray(offset, offset + size), offset);
  return copy.buffer;
}

/**
 * Runs one interpreter's Worker until it ends; true when the process may serve another. The blob
 * URLs it made (its `URL.createObjectURL` reports each before the program gets it) are in the
 * process's store, which outlives the Worker: they are revoked when it ends.
 */
function runIsolate(url: string, start: () => IsolateStart): Promise<boolean> {
  return new Promise((resolve) => {
    const worker = new Worker(url, { type: "module" });
    const first = start(); // the snapshot is copied while the Worker loads its module
    const interrupt = new Int32Array(first.interrupt);
    const blobs = new Set<string>();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const ended = (reusable: boolean) => {
      clearTimeout(timer);
      worker.terminate();
      for (const blob of blobs) URL.revokeObjectURL(blob);
      resolve(reusable && blobs.size <= MAX_BLOB_URLS);
    };
    worker.onmessage = (event: MessageEvent<IsolateMessage>) => {
      const message = event.data;
      if (message?.type === "blob") {
        if (blobs.size <= MAX_BLOB_URLS && message.url !== url) blobs.add(String(message.url));
        return;
      }
      clearTimeout(timer);
      if (message?.type === "arm") {
        timer = setTimeout(() => Atomics.store(interrupt, 0, 2), Number(message.ms));
      } else if (message?.type !== "pause") {
        ended(message?.type === "ended" && message.reusable === true);
      }
    };
    worker.onmessageerror = () => ended(false);
    worker.onerror = (event) => {
      event.preventDefault();
      ended(false);
    };
    worker.postMessage(first, [first.snapshot]);
  });
}

/** Says `recycle` and reads the host's `fence` (the next nonce); exits on anything else. */
async function fence(relay: Relay, reader: ByteReader, exit: (code?: number) => never) {
  relay.send({ type: "recycle" });
  let message: HostMessage | null = null;
  try {
    message = parseJson((await reader.readLine()) ?? "null") as HostMessage | null;
  } catch {
    // part of the line was taken: exit below
  }
  if (message?.type !== "fence" || reader.buffered > 0) return exit(0);
  return message.nonce;
}
