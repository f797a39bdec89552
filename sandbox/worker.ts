/**
 * The sandbox child's entry. Spawned by the host with no `--allow-*` flag, an environment of its
 * own and `/` as cwd. It reads `init` (nonce, limits, memory snapshot) from stdin, loads Pyodide,
 * warms up, says `ready`, runs exactly one program, relays its tool calls as framed JSON lines on
 * stdout, reports `done` and exits.
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
import { quietConsole, removeWebStorage } from "./lockdown.ts";
import { OutputCapture } from "./output_capture.ts";
import { execute, type Outcome, outputLimitError } from "./program.ts";
import { loadSandboxPyodide, makeSnapshot } from "./pyodide_loader.ts";
import { Relay, writeFully } from "./relay.ts";
import { createWatchdog } from "./watchdog.ts";
import { localEcho, warmUp } from "./warm_up.ts";

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

/** Reads `init` and the snapshot that follows it; exits (70) on anything else. */
async function handshake(reader: ByteReader): Promise<{ init: Init; snapshot?: Uint8Array }> {
  const init = parseJson((await reader.readLine()) ?? "null") as HostMessage | null;
  if (init?.type !== "init") exit(70);
  if (init.snapshot_bytes === 0) return { init };
  const snapshot = await reader.readBytes(init.snapshot_bytes);
  if (snapshot === null) exit(70);
  return { init, snapshot };
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

/** Captures the run's output; past the hard limit the run ends with OUTPUT_LIMIT. */
function captureOutput(pyodide: PyodideAPI, limits: ChildLimits, stop: () => never): OutputCapture {
  const output = new OutputCapture(limits, stop);
  pyodide.setStdout({ write: (bytes: Uint8Array) => output.write("stdout", bytes), isatty: false });
  pyodide.setStderr({ write: (bytes: Uint8Array) => output.write("stderr", bytes), isatty: false });
  return output;
}

/** Reports the run's outcome with its output and exits: a child serves exactly one run. */
function finish(relay: Relay, runId: string, output: OutputCapture, outcome: Outcome): never {
  const truncated = outcome.truncated || output.truncated;
  const result: ChildRunResult = {
    ...outcome,
    stdout: output.text("stdout"),
    stderr: output.text("stderr"),
    ...(truncated ? { truncated } : {}),
  };
  relay.send({ type: "done", id: runId, result });
  exit(0);
}

/** Waits for the one `run` message; after it, stdin is read only for tool answers. */
async function nextRun(reader: ByteReader): Promise<RunMessage | null> {
  for (let line = await reader.readLine(); line !== null; line = await reader.readLine()) {
    const message = parseJson(line) as HostMessage;
    if (message.type === "run") return message;
  }
  return null;
}

/** Loads Pyodide, warms up, says `ready`, runs the one program and reports it. */
async function serve(): Promise<never> {
  const reader = new ByteReader({
    read: Deno.stdin.read.bind(Deno.stdin),
    readSync: Deno.stdin.readSync.bind(Deno.stdin),
  });
  const { init, snapshot } = await handshake(reader);
  const relay = new Relay(init.nonce, reader, writeStdout, hostGone);
  // No snapshot (snapshot_bytes 0, a diagnostic setting): boot Pyodide from scratch.
  const pyodide = await loadSandboxPyodide(snapshot ? { snapshot } : { forSnapshot: false });
  const relayModule = registerRelay(pyodide, relay);
  await warmUp(pyodide, init.limits);
  relayModule.goLive();
  let runId = "";
  const output = captureOutput(
    pyodide,
    init.limits,
    () => finish(relay, runId, output, { ok: false, error: outputLimitError(init.limits) }),
  );
  const watchdog = createWatchdog(pyodide);
  // While a person is asked to approve a call the host stops the deadline's clock, here too.
  relay.onControl((message) => {
    if (message.type === "pause") watchdog.pause();
    if (message.type === "resume") watchdog.arm(message.deadline_ms);
  });
  relay.send({ type: "ready" });
  const run = await nextRun(reader);
  if (run === null) exit(0); // the host closed stdin: it is gone or done with us
  runId = run.id;
  watchdog.arm(run.deadline_ms ?? 2 ** 31 - 1);
  const policy: RunPolicy | null = run.policy ?? null;
  const tools: ToolRef[] = run.tools;
  const skills: SkillSource[] = run.skills ?? [];
  finish(
    relay,
    runId,
    output,
    await execute(pyodide, init.limits, run.code, tools, policy, skills),
  );
}

async function main(): Promise<never> {
  quietConsole(writeStderr);
  removeWebStorage();
  if (Deno.args.includes("--make-snapshot")) {
    const bytes = await makeSnapshot();
    writeStdout(bytes);
    exit(byteLength(bytes) > 0 ? 0 : 70);
  }
  return await serve();
}

await main();
