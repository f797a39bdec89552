/**
 * The sandbox child's entry. Spawned by the host with no `--allow-*` flag, an environment of its
 * own and `/` as cwd. It reads `init` (nonce, limits, memory snapshot) from stdin, loads Pyodide,
 * warms up, says `ready`, runs exactly one program, relays its tool calls as framed JSON lines on
 * stdout, reports `done` and exits; a run with `keep` (a session) waits for the next run instead.
 * Each run's cwd is `/data` in Pyodide's in-memory filesystem (`files.ts`).
 *
 * With `--make-snapshot` it instead writes a fresh Pyodide memory snapshot to stdout and exits.
 *
 * `primordials.ts` is imported first: its captures happen before anything else is evaluated.
 */
import { byteLength, parseJson } from "./primordials.ts";
import type { PyodideAPI } from "pyodide";
import type {
  ChildLimits,
  ChildRunResult,
  HostMessage,
  RunPolicy,
  SkillSource,
  ToolRef,
} from "../src/relay/protocol.ts";
import { ByteReader } from "./byte_reader.ts";
import { collectOutputs, type MemFs, prepareFiles } from "./files.ts";
import { quietConsole, removeWebStorage } from "./lockdown.ts";
import { OutputCapture } from "./output_capture.ts";
import { execute, fatalError, type Outcome, outputLimitError } from "./program.ts";
import { loadSandboxPyodide, makeSnapshot } from "./pyodide_loader.ts";
import { Relay, writeFully } from "./relay.ts";
import { createWatchdog, type Watchdog } from "./watchdog.ts";
import { localEcho, prepareRun, prepareSnapshot, warmUp } from "./warm_up.ts";

type Init = Extract<HostMessage, { type: "init" }>;
type RunMessage = Extract<HostMessage, { type: "run" }>;

// Captured before any user code runs: Python can reach and replace globals through `js`.
const stdoutWrite = Deno.stdout.writeSync.bind(Deno.stdout);
const stderrWrite = Deno.stderr.writeSync.bind(Deno.stderr);
const exit: (code?: number) => never = Deno.exit;
const writeStdout = (bytes: Uint8Array) => writeFully(bytes, stdoutWrite);
const writeStderr = (bytes: Uint8Array) => writeFully(bytes, stderrWrite);

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
): Promise<{ init: Init; relay: Relay; snapshot?: Uint8Array<ArrayBuffer> }> {
  const init = parseJson((await reader.readLine()) ?? "null") as HostMessage | null;
  if (init?.type !== "init") exit(70);
  const relay = new Relay(init.nonce, reader, writeStdout, hostGone);
  relay.send({ type: "phase", name: "boot" });
  if (init.snapshot_bytes === 0) return { init, relay };
  const runs = init.snapshot_runs ?? [[0, init.snapshot_bytes]];
  const snapshot = reader.readRunsSync(init.snapshot_bytes, runs);
  if (snapshot === null) exit(70);
  relay.send({ type: "phase", name: "snapshot" });
  return { init, relay, snapshot };
}

/** Lets Python call tools: locally answered during the warm-up, through the relay afterwards. */
function registerRelay(pyodide: PyodideAPI, relay: Relay): { goLive(): void } {
  let live = false;
  pyodide.registerJsModule("_mcp_relay", {
    call: (server: string, tool: string, argsJson: string) =>
      live
        ? relay.callAsync(server, tool, argsJson)
        : Promise.resolve(localEcho(server, tool, argsJson)),
    call_sync: (server: string, tool: string, argsJson: string) =>
      live ? relay.callSync(server, tool, argsJson) : localEcho(server, tool, argsJson),
  });
  return { goLive: () => (live = true) };
}

/** The current run's output capture (a fresh one per run); past the hard limit: OUTPUT_LIMIT. */
interface Capture {
  current: OutputCapture;
  renew(): void;
}

/** Captures the runs' output. */
function captureOutput(pyodide: PyodideAPI, limits: ChildLimits, stop: () => never): Capture {
  const capture = {
    current: new OutputCapture(limits, stop),
    renew: () => void (capture.current = new OutputCapture(limits, stop)),
  };
  const write = (stream: "stdout" | "stderr") => (bytes: Uint8Array) =>
    capture.current.write(stream, bytes);
  pyodide.setStdout({ write: write("stdout"), isatty: false });
  pyodide.setStderr({ write: write("stderr"), isatty: false });
  return capture;
}

/**
 * Reports the run's outcome with its output and exits: a child serves exactly one run, unless
 * `ending` is false (a session's run) and no tool answer is still awaited (one would take the
 * next run's line from stdin, so that ends the session too).
 */
function finish(
  relay: Relay,
  runId: string,
  output: OutputCapture,
  outcome: Outcome,
  ending = true,
): void {
  const truncated = outcome.truncated || output.truncated;
  const result: ChildRunResult = {
    ...outcome,
    stdout: output.text("stdout"),
    stderr: output.text("stderr"),
    ...(truncated ? { truncated } : {}),
  };
  relay.send({ type: "done", id: runId, result });
  if (ending || !relay.idle) exit(0);
}

/** One run: its files under `/data`, the program, the changed `/data/out` files, `done`. */
async function runOne(
  pyodide: PyodideAPI,
  limits: ChildLimits,
  run: RunMessage,
  parts: { relay: Relay; output: OutputCapture; watchdog: Watchdog },
): Promise<void> {
  const { relay, output, watchdog } = parts;
  const keep = run.keep === true;
  const fs = pyodide.FS as MemFs;
  try {
    prepareFiles(fs, run.files);
  } catch (error) {
    return finish(relay, run.id, output, { ok: false, error: fatalError(error) });
  }
  watchdog.clear();
  watchdog.arm(run.deadline_ms ?? 2 ** 31 - 1);
  const policy: RunPolicy | null = run.policy ?? null;
  const tools: ToolRef[] | null = run.tools ?? null;
  const skills: SkillSource[] = run.skills ?? [];
  const outcome = await execute(pyodide, limits, run.code, tools, policy, skills, keep);
  watchdog.pause();
  let files;
  try {
    files = collectOutputs(fs, run.out_bytes ?? 0);
  } catch (error) {
    return finish(relay, run.id, output, { ok: false, error: fatalError(error) });
  }
  finish(relay, run.id, output, files.length ? { ...outcome, files } : outcome, !keep);
}

/**
 * Waits for the next `run` message, preparing the tool catalog meanwhile when the host sends it;
 * while a program runs, stdin is read only for tool answers.
 */
async function nextRun(
  reader: ByteReader,
  pyodide: PyodideAPI,
  limits: ChildLimits,
): Promise<RunMessage | null> {
  for (let line = await reader.readLine(); line !== null; line = await reader.readLine()) {
    const message = parseJson(line) as HostMessage;
    if (message.type === "run") return message;
    if (message.type === "prepare") {
      await prepareRun(pyodide, limits, message.tools, message.policy);
    }
  }
  return null;
}

/** Loads Pyodide, warms up, says `ready`, runs the program (a session's: each) and reports it. */
async function serve(): Promise<never> {
  const reader = new ByteReader({
    read: Deno.stdin.read.bind(Deno.stdin),
    readSync: Deno.stdin.readSync.bind(Deno.stdin),
  });
  const { init, snapshot, relay } = await handshake(reader);
  const watchdog = createWatchdog(); // its thread starts while Pyodide loads
  // No snapshot (snapshot_bytes 0, a diagnostic setting): boot Pyodide from scratch.
  const pyodide = await loadSandboxPyodide(snapshot ? { snapshot } : { forSnapshot: false });
  // The snapshot is in Pyodide's memory now, and Pyodide keeps a reference to the 30 MB it came
  // in: detaching the buffer frees them.
  snapshot?.buffer.transfer(0);
  pyodide.runPython("import _mcp_runner\n_mcp_runner.reseed()"); // every child its own randomness
  relay.send({ type: "phase", name: "pyodide" });
  const relayModule = registerRelay(pyodide, relay);
  await warmUp(pyodide, init.limits);
  relay.send({ type: "phase", name: "warm_up" });
  relayModule.goLive();
  let runId = "";
  const output: Capture = captureOutput(pyodide, init.limits, () => {
    finish(relay, runId, output.current, { ok: false, error: outputLimitError(init.limits) });
    return exit(0);
  });
  watchdog.attach(pyodide);
  // While a person is asked to approve a call the host stops the deadline's clock, here too.
  relay.onControl((message) => {
    if (message.type === "pause") watchdog.pause();
    if (message.type === "resume") watchdog.arm(message.deadline_ms);
  });
  relay.send({ type: "ready" });
  while (true) {
    const run = await nextRun(reader, pyodide, init.limits);
    if (run === null) exit(0); // the host closed stdin: it is gone or done with us
    runId = run.id;
    output.renew();
    await runOne(pyodide, init.limits, run, { relay, output: output.current, watchdog });
  }
}

async function main(): Promise<never> {
  quietConsole(writeStderr);
  removeWebStorage();
  if (Deno.args.includes("--make-snapshot")) {
    const bytes = await makeSnapshot(prepareSnapshot);
    writeStdout(bytes);
    exit(byteLength(bytes) > 0 ? 0 : 70);
  }
  return await serve();
}

await main();
