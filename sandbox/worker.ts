/**
 * The sandbox child's entry. Spawned by the host with no `--allow-*` flag, an empty environment
 * and an empty temporary cwd. It reads `init` (nonce, limits, memory snapshot) from stdin, loads
 * Pyodide, says `ready`, runs exactly one program, relays its tool calls as framed JSON lines on
 * stdout, reports `done` and exits.
 *
 * With `--make-snapshot` it instead writes a fresh Pyodide memory snapshot to stdout and exits.
 */
import type {
  ChildLimits,
  ChildMessage,
  ChildRunResult,
  HostMessage,
  RunError,
  RunPolicy,
  ToolRef,
} from "../src/relay/protocol.ts";
import { ByteReader } from "./byte_reader.ts";
import { OutputCapture } from "./output_capture.ts";
import { loadSandboxPyodide, makeSnapshot } from "./pyodide_loader.ts";

// Programs run once before `ready` (see below): the common paths, a syntax error, a traceback.
const WARM_UP_PROGRAMS = [
  `import json, asyncio
data = {"items": [{"n": i, "name": f"item {i}"} for i in range(50)]}
text = json.dumps(data)
total = sum(item["n"] for item in json.loads(text)["items"])
print(f"{total} {len(text)}")
echoed = tools.warm.echo(value=total)
both = await asyncio.gather(tools.warm.echo.aio(a=1), tools.warm.echo.aio(b=2))
await asyncio.sleep(0)
{"echoed": echoed, "both": both}`,
  "def broken(:\n    pass",
  "def fails(x):\n    return {}[x]\nfails('key')",
];
const WARM_UP_TOOL: ToolRef = {
  server: "warm",
  tool: "echo",
  py_server: "warm",
  py_name: "echo",
  doc: "",
};

// Captured before any user code runs: Python can reach and replace globals through `js`.
const stringify = JSON.stringify;
const parseJson = JSON.parse;
const encoder = new TextEncoder();
const encode = encoder.encode.bind(encoder);
const writeSync = Deno.stdout.writeSync.bind(Deno.stdout);
const errorWriteSync = Deno.stderr.writeSync.bind(Deno.stderr);
const exit: (code?: number) => never = Deno.exit;

function writeAll(bytes: Uint8Array, write = writeSync): void {
  let offset = 0;
  while (offset < bytes.length) offset += write(bytes.subarray(offset));
}

// JS code run from Python must not write unframed lines by accident: console goes to stderr.
for (const method of ["log", "info", "debug", "trace", "dir", "table"] as const) {
  console[method] = (...args: unknown[]) =>
    writeAll(encode(args.map(String).join(" ") + "\n"), errorWriteSync);
}

if (Deno.args.includes("--make-snapshot")) {
  writeAll(await makeSnapshot());
  exit(0);
}

const reader = new ByteReader({
  read: Deno.stdin.read.bind(Deno.stdin),
  readSync: Deno.stdin.readSync.bind(Deno.stdin),
});
const init = parseJson((await reader.readLine()) ?? "null") as HostMessage | null;
if (init?.type !== "init") exit(70);
const { nonce, limits } = init as Extract<HostMessage, { type: "init" }>;
const snapshotBytes = (init as Extract<HostMessage, { type: "init" }>).snapshot_bytes;
const snapshot = snapshotBytes > 0 ? await reader.readBytes(snapshotBytes) : undefined;
if (snapshot === null) exit(70);

function send(message: ChildMessage): void {
  writeAll(encode(nonce + " " + stringify(message) + "\n"));
}

// No snapshot (snapshot_bytes 0, a diagnostic setting): boot Pyodide from scratch.
const pyodide = await loadSandboxPyodide(snapshot ? { snapshot } : { forSnapshot: false });
const pending = new Map<number, (reply: string) => void>();
let nextCallId = 0;
let pumping = false;

/** Sends a tool call; the answer comes back through `pump`. */
function callAsync(server: string, tool: string, argsJson: string): Promise<string> {
  const call_id = nextCallId++;
  const reply = new Promise<string>((resolve) => pending.set(call_id, resolve));
  sendToolCall(call_id, server, tool, argsJson);
  void pump();
  return reply;
}

/**
 * Sends a tool call and blocks on stdin for its answer (no stack switching). Returns undefined
 * when asynchronous calls are in flight: then the caller takes the promise path instead.
 */
function callSync(server: string, tool: string, argsJson: string): string | undefined {
  if (pumping || reader.reading || pending.size > 0) return undefined;
  const call_id = nextCallId++;
  sendToolCall(call_id, server, tool, argsJson);
  while (true) {
    const line = reader.readLineSync();
    if (line === null) {
      console.error("stdin closed while waiting for a tool answer");
      exit(0); // the host is gone
    }
    const reply = toolReply(line);
    if (reply?.call_id === call_id) return reply.text;
  }
}

/** Frames a tool call around the arguments' JSON as Python produced it (no parse and re-encode). */
function sendToolCall(call_id: number, server: string, tool: string, argsJson: string): void {
  const head = stringify({ type: "tool_call", call_id, server, tool });
  writeAll(encode(`${nonce} ${head.slice(0, -1)},"args":${argsJson}}\n`));
}

/** Reads answers while asynchronous calls wait for them, and only then. */
async function pump(): Promise<void> {
  if (pumping) return;
  pumping = true;
  try {
    while (pending.size > 0) {
      const line = await reader.readLine();
      if (line === null) {
        console.error("stdin closed while waiting for tool answers");
        exit(0); // the host is gone
      }
      const reply = toolReply(line);
      if (!reply) continue;
      const resolve = pending.get(reply.call_id);
      pending.delete(reply.call_id);
      resolve?.(reply.text);
    }
  } finally {
    pumping = false;
  }
}

function toolReply(line: string): { call_id: number; text: string } | null {
  const message = parseJson(line) as HostMessage;
  // While a person is asked to approve a call the host stops the deadline's clock, here too.
  if (message.type === "pause") watchdog.pause();
  if (message.type === "resume") watchdog.arm(message.deadline_ms);
  if (message.type !== "tool_result") return null;
  const body = message.ok
    ? { ok: true, value: message.value }
    : { ok: false, error: message.error };
  return { call_id: message.call_id, text: stringify(body) };
}

// During the warm-up the relay answers locally; afterwards every call goes to the host.
const localEcho = (_server: string, _tool: string, argsJson: string) =>
  `{"ok":true,"value":${argsJson}}`;
let relaySync: typeof callSync = localEcho;
let relayAsync: typeof callAsync = (...args) => Promise.resolve(localEcho(...args));
pyodide.registerJsModule("_mcp_relay", {
  call: (server: string, tool: string, argsJson: string) => relayAsync(server, tool, argsJson),
  call_sync: (server: string, tool: string, argsJson: string) => relaySync(server, tool, argsJson),
});

// A fresh V8 compiles wasm functions lazily on first call: run a throwaway program first so the
// agent's run does not pay for compiling the interpreter's hot paths.
const warmUp = new OutputCapture(limits, () => {});
pyodide.setStdout({ write: (bytes: Uint8Array) => warmUp.write("stdout", bytes), isatty: false });
pyodide.setStderr({ write: (bytes: Uint8Array) => warmUp.write("stderr", bytes), isatty: false });
for (const code of WARM_UP_PROGRAMS) await execute(code, [WARM_UP_TOOL], null);
relaySync = callSync;
relayAsync = callAsync;

let runId = "";
const output = new OutputCapture(limits, () => {
  finish({ ok: false, error: outputLimitError(limits) });
});
pyodide.setStdout({ write: (bytes: Uint8Array) => output.write("stdout", bytes), isatty: false });
pyodide.setStderr({ write: (bytes: Uint8Array) => output.write("stderr", bytes), isatty: false });
const watchdog = createWatchdog();
send({ type: "ready" });

// Wait for the one run; after it starts, stdin is read only for tool answers (see callSync).
for (let line = await reader.readLine(); line !== null; line = await reader.readLine()) {
  const message = parseJson(line) as HostMessage;
  if (message.type === "run") {
    runId = message.id;
    watchdog.arm(message.deadline_ms ?? 2 ** 31 - 1);
    await runProgram(message.code, message.tools, message.policy ?? null);
  }
}
exit(0); // the host closed stdin: it is gone or done with us

type Outcome = Omit<ChildRunResult, "stdout" | "stderr">;

async function execute(
  code: string,
  tools: ToolRef[],
  policy: RunPolicy | null,
): Promise<Outcome> {
  let outcome: Outcome & { result_json?: string };
  try {
    const globals = pyodide.toPy({
      _code: code,
      _tools: stringify(tools),
      _limit: limits.result_bytes,
      _policy: stringify(policy),
    });
    const text: string = await pyodide.runPythonAsync(
      "import _mcp_runner\nawait _mcp_runner.run(_code, _tools, _limit, _policy)",
      { globals },
    );
    globals.destroy();
    outcome = parseJson(text);
  } catch (error) {
    outcome = { ok: false, error: fatalError(error) };
  }
  const { result_json, ...rest } = outcome;
  return result_json === undefined ? rest : { ...rest, result: parseJson(result_json) };
}

/**
 * Interrupts Python at the deadline, or as soon as the host is gone (the child is re-parented): a
 * timer on a second thread (a Worker from a blob URL, which needs no permission) raises SIGINT in
 * Pyodide's interrupt buffer, which the interpreter checks even in a tight loop. The host still
 * kills the child if that does not end the run; a child whose host died exits when its answer
 * cannot be written. Created before `ready` (starting a thread costs ~20 ms); armed per run,
 * paused while the host waits for a person's approval and armed again with the time left.
 */
function createWatchdog(): { arm: (deadlineMs: number) => void; pause: () => void } {
  const interrupt = new Int32Array(new SharedArrayBuffer(4));
  pyodide.setInterruptBuffer(interrupt);
  const source = "let stop; let timer; onmessage = (e) => { const d = e.data; " +
    "if (d.buffer) { const view = new Int32Array(d.buffer); " +
    "stop = () => Atomics.store(view, 0, 2); const parent = Deno.ppid; " +
    "setInterval(() => { if (Deno.ppid !== parent) stop(); }, 250); } " +
    "clearTimeout(timer); if (d.ms !== undefined) timer = setTimeout(stop, d.ms); };";
  const url = URL.createObjectURL(new Blob([source], { type: "application/javascript" }));
  const thread = new Worker(url, { type: "module" });
  let started = false;
  return {
    arm: (ms) => {
      thread.postMessage(started ? { ms } : { buffer: interrupt.buffer, ms });
      started = true;
    },
    pause: () => thread.postMessage({}),
  };
}

async function runProgram(
  code: string,
  tools: ToolRef[],
  policy: RunPolicy | null,
): Promise<void> {
  finish(await execute(code, tools, policy));
}

function finish(outcome: Outcome): never {
  const truncated = outcome.truncated || output.truncated;
  const result: ChildRunResult = {
    ...outcome,
    stdout: output.text("stdout"),
    stderr: output.text("stderr"),
    ...(truncated ? { truncated } : {}),
  };
  send({ type: "done", id: runId, result });
  exit(0);
}

function outputLimitError(limits: ChildLimits): RunError {
  return {
    code: "OUTPUT_LIMIT",
    message:
      `The program wrote more than ${limits.output_hard_bytes} bytes of output and was stopped; ` +
      "print less (summarise, or return a value) and run it again.",
  };
}

/** Maps an error thrown by Pyodide itself (not a Python exception) to a run error. */
function fatalError(error: unknown): RunError {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  if (/out of memory|Cannot enlarge memory|allocation failed|Out of bounds memory/i.test(text)) {
    return {
      code: "MEMORY_LIMIT",
      type: "MemoryError",
      message: `The program ran out of memory (${text.slice(0, 200)})`,
    };
  }
  return { code: "SANDBOX_CRASH", message: `The Python runtime failed: ${text.slice(0, 500)}` };
}
