/**
 * The sandbox child's entry. Spawned by the host with no `--allow-*` flag, an environment of its
 * own and `/` as cwd. It reads `init` (nonce, limits, memory snapshot) from stdin and serves one
 * interpreter (`interpreter.ts`): loads Pyodide, warms up, says `ready`, runs exactly one program,
 * relays its tool calls as framed JSON lines on stdout, reports `done` and exits; a run with
 * `keep` (a session) waits for the next run instead. In worker isolation (`init.isolation`, the
 * interpreter's bundled code following the snapshot) it serves each interpreter in a fresh Worker
 * instead (`isolates.ts`).
 *
 * With `--make-snapshot` it instead writes a fresh Pyodide memory snapshot to stdout and exits.
 *
 * `primordials.ts` is imported first: its captures happen before anything else is evaluated.
 */
import { byteLength, parseJson } from "./primordials.ts";
import type { HostMessage } from "../src/relay/protocol.ts";
import { assets } from "./assets.ts";
import { ByteReader } from "./byte_reader.ts";
import { serveInterpreter } from "./interpreter.ts";
import { serveIsolates } from "./isolates.ts";
import { quietConsole, removeWebStorage } from "./lockdown.ts";
import { makeSnapshot } from "./pyodide_loader.ts";
import { Relay, writeFully } from "./relay.ts";
import { createWatchdog } from "./watchdog.ts";
import { prepareSnapshot } from "./warm_up.ts";

type Init = Extract<HostMessage, { type: "init" }>;

// Captured before any user code runs: Python can reach and replace globals through `js`.
const stdoutWrite = Deno.stdout.writeSync.bind(Deno.stdout);
const stderrWrite = Deno.stderr.writeSync.bind(Deno.stderr);
const exit: (code?: number) => never = Deno.exit;
const writeStdout = (bytes: Uint8Array) => writeFully(bytes, stdoutWrite);
const writeStderr = (bytes: Uint8Array) => writeFully(bytes, stderrWrite);

/** How long a child whose run is reported waits for the host's kill at most. */
const LINGER_MS = 10_000;

/** The host is gone (its end of stdin closed): nothing can be delivered any more. */
function hostGone(what: string): never {
  console.error(what);
  exit(0);
}

/**
 * Reads `init` and the snapshot that follows it (reporting each phase as it ends); exits (70) on
 * anything else.
 */
async function handshake(
  reader: ByteReader,
): Promise<
  { init: Init; relay: Relay; snapshot?: Uint8Array<ArrayBuffer>; bundle?: Uint8Array<ArrayBuffer> }
> {
  const init = parseJson((await reader.readLine()) ?? "null") as HostMessage | null;
  if (init?.type !== "init") exit(70);
  const relay = new Relay(init.nonce, reader, writeStdout, hostGone);
  relay.send({ type: "phase", name: "boot" });
  if (init.snapshot_bytes === 0) return { init, relay };
  const runs = init.snapshot_runs ?? [[0, init.snapshot_bytes]];
  const snapshot = reader.readRunsSync(init.snapshot_bytes, runs);
  if (snapshot === null) exit(70);
  const size = init.isolation?.bundle_bytes ?? 0;
  const bundle = size > 0 ? reader.readRunsSync(size, [[0, size]]) : undefined;
  if (bundle === null) exit(70);
  relay.send({ type: "phase", name: "snapshot" });
  return { init, relay, snapshot, ...(bundle ? { bundle } : {}) };
}

/** Serves one interpreter in this process (the default), or each in a Worker of its own. */
async function serve(): Promise<never> {
  const reader = new ByteReader({
    read: Deno.stdin.read.bind(Deno.stdin),
    readSync: Deno.stdin.readSync.bind(Deno.stdin),
  });
  const { init, snapshot, relay, bundle } = await handshake(reader);
  if (bundle) {
    return await serveIsolates({ init, reader, writeStdout, exit, assets, bundle, snapshot });
  }
  const watchdog = createWatchdog(); // its thread starts while Pyodide loads
  const gone = () => exit(0);
  // After `done` the host kills the child: wait for that (or for the host to be gone). A child
  // with an answer still awaited (which a session's host might keep) exits at once, as before.
  const end = (reusable: boolean) => {
    if (reusable) watchdog.hold(LINGER_MS);
    return exit(0);
  };
  // No snapshot (snapshot_bytes 0, a diagnostic setting): boot Pyodide from scratch.
  const load = snapshot ? { assets, snapshot } : { assets, forSnapshot: false };
  return await serveInterpreter({ reader, relay, end, gone, watchdog }, init.limits, load);
}

async function main(): Promise<never> {
  quietConsole(writeStderr);
  removeWebStorage();
  if (Deno.args.includes("--make-snapshot")) {
    const bytes = await makeSnapshot(assets, prepareSnapshot);
    writeStdout(bytes);
    exit(byteLength(bytes) > 0 ? 0 : 70);
  }
  return await serve();
}

await main();
