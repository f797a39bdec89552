/**
 * One Python interpreter's life, wherever it runs (the child process itself, or a Worker inside a
 * worker-mode child): loads Pyodide from the snapshot, reseeds, warms up, says `ready`, runs one
 * program (a session's: each), relays its tool calls and reports `done`, then ends. Everything it
 * talks through is handed to it ({@link InterpreterIo}).
 */
import type { PyodideAPI } from "pyodide";
import type {
  ChildLimits,
  ChildRunResult,
  HostMessage,
  RunPolicy,
  SkillSource,
  ToolRef,
} from "../src/relay/protocol.ts";
import type { ByteReader } from "./byte_reader.ts";
import { collectOutputs, type MemFs, prepareFiles } from "./files.ts";
import { OutputCapture } from "./output_capture.ts";
import { parseJson } from "./primordials.ts";
import { execute, fatalError, type Outcome, outputLimitError } from "./program.ts";
import { type LoadOptions, loadSandboxPyodide } from "./pyodide_loader.ts";
import type { Relay } from "./relay.ts";
import type { Watchdog } from "./watchdog.ts";
import { localEcho, prepareRun, warmUp } from "./warm_up.ts";

type RunMessage = Extract<HostMessage, { type: "run" }>;

/**
 * Ends the interpreter once its `done` was sent; `reusable` is false when something of it may
 * still be in flight (an answer awaited on stdin), so that its process must not serve another
 * interpreter.
 */
export type EndInterpreter = (reusable: boolean) => never;

/** What an interpreter talks through. */
export interface InterpreterIo {
  reader: ByteReader;
  relay: Relay;
  end: EndInterpreter;
  /** Ends it at once: the host is gone (stdin closed). */
  gone: () => never;
  watchdog: Watchdog & { attach(pyodide: PyodideAPI): void };
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
  end: EndInterpreter,
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
  // An answer still awaited would take a later message from stdin: nothing more can be served.
  if (ending || !relay.idle) end(relay.idle);
}

/** One run: its files under `/data`, the program, the changed `/data/out` files, `done`. */
async function runOne(
  pyodide: PyodideAPI,
  limits: ChildLimits,
  run: RunMessage,
  parts: { io: InterpreterIo; output: OutputCapture },
): Promise<void> {
  const { io: { relay, watchdog, end }, output } = parts;
  const keep = run.keep === true;
  const fs = pyodide.FS as MemFs;
  try {
    prepareFiles(fs, run.files);
  } catch (error) {
    return finish(end, relay, run.id, output, { ok: false, error: fatalError(error) });
  }
  watchdog.clear();
  watchdog.arm(run.deadline_ms ?? 2 ** 31 - 1);
  const policy: RunPolicy | null = run.policy ?? null;
  const tools: ToolRef[] | null = run.tools ?? null;
  const skills: SkillSource[] = run.skills ?? [];
  const outcome = await execute(pyodide, limits, run.code, tools, policy, skills, keep);
  // A run ends when its program and every tool call it started have ended (the host answers each
  // until then, within the deadline): no answer is left to arrive during a later run.
  await relay.drained();
  watchdog.pause();
  let files;
  try {
    files = collectOutputs(fs, run.out_bytes ?? 0);
  } catch (error) {
    return finish(end, relay, run.id, output, { ok: false, error: fatalError(error) });
  }
  finish(end, relay, run.id, output, files.length ? { ...outcome, files } : outcome, !keep);
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

/**
 * Loads Pyodide, warms up, says `ready`, runs the program (a session's: each) and reports it.
 * Without `warm` the warm-up is left out: in a worker-isolation child, the process's first
 * interpreter compiled the wasm functions it calls, and the compiled code is shared by every
 * Worker (measured: the first run of a later interpreter is as fast without it, ~20 ms CPU less).
 */
export async function serveInterpreter(
  io: InterpreterIo,
  limits: ChildLimits,
  load: LoadOptions,
  warm = true,
): Promise<never> {
  const { reader, relay, end, watchdog } = io;
  const pyodide = await loadSandboxPyodide(load);
  // The snapshot is in Pyodide's memory now, and Pyodide keeps a reference to the 30 MB it came
  // in: detaching the buffer frees them, and leaves a program no view of it (in worker isolation
  // the buffer is this Worker's own copy, never the main thread's).
  const buffer = load.snapshot?.buffer;
  if (buffer instanceof ArrayBuffer) buffer.transfer(0);
  pyodide.runPython("import _mcp_runner\n_mcp_runner.reseed()"); // every interpreter its own randomness
  relay.send({ type: "phase", name: "pyodide" });
  const relayModule = registerRelay(pyodide, relay);
  if (warm) await warmUp(pyodide, limits);
  relay.send({ type: "phase", name: "warm_up" });
  relayModule.goLive();
  let runId = "";
  const output: Capture = captureOutput(pyodide, limits, () => {
    finish(end, relay, runId, output.current, { ok: false, error: outputLimitError(limits) });
    return end(relay.idle);
  });
  watchdog.attach(pyodide);
  // While a person is asked to approve a call the host stops the deadline's clock, here too.
  relay.onControl((message) => {
    if (message.type === "pause") watchdog.pause();
    if (message.type === "resume") watchdog.arm(message.deadline_ms);
  });
  relay.send({ type: "ready" });
  while (true) {
    const run = await nextRun(reader, pyodide, limits);
    if (run === null) return io.gone(); // the host closed stdin: it is gone or done with us
    runId = run.id;
    output.renew();
    await runOne(pyodide, limits, run, { io, output: output.current });
  }
}
