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

if (Deno.args[0] === "--make-snapshot") {
  writeAll(await makeSnapshot());
  exit(0);
}

const reader = new ByteReader(Deno.stdin.readable);
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
function relayToHost(server: string, tool: string, argsJson: string): Promise<string> {
  const call_id = nextCallId++;
  const reply = new Promise<string>((resolve) => pending.set(call_id, resolve));
  send({ type: "tool_call", call_id, server, tool, args: parseJson(argsJson) });
  return reply;
}
// During the warm-up the relay answers locally; afterwards every call goes to the host.
let relay = (_server: string, _tool: string, argsJson: string): Promise<string> =>
  Promise.resolve(`{"ok":true,"value":${argsJson}}`);
pyodide.registerJsModule("_mcp_relay", {
  call: (server: string, tool: string, argsJson: string) => relay(server, tool, argsJson),
});

// A fresh V8 compiles wasm functions lazily on first call: run a throwaway program first so the
// agent's run does not pay for compiling the interpreter's hot paths.
const warmUp = new OutputCapture(limits, () => {});
pyodide.setStdout({ write: (bytes: Uint8Array) => warmUp.write("stdout", bytes), isatty: false });
pyodide.setStderr({ write: (bytes: Uint8Array) => warmUp.write("stderr", bytes), isatty: false });
for (const code of WARM_UP_PROGRAMS) await execute(code, [WARM_UP_TOOL], null);
relay = relayToHost;

let runId = "";
const output = new OutputCapture(limits, () => {
  finish({ ok: false, error: outputLimitError(limits) });
});
pyodide.setStdout({ write: (bytes: Uint8Array) => output.write("stdout", bytes), isatty: false });
pyodide.setStderr({ write: (bytes: Uint8Array) => output.write("stderr", bytes), isatty: false });
send({ type: "ready" });

for (let line = await reader.readLine(); line !== null; line = await reader.readLine()) {
  const message = parseJson(line) as HostMessage;
  if (message.type === "run" && runId === "") {
    runId = message.id;
    void runProgram(message.code, message.tools, message.policy ?? null);
  } else if (message.type === "tool_result") {
    const resolve = pending.get(message.call_id);
    pending.delete(message.call_id);
    resolve?.(stringify(message.ok ? { ok: true, value: message.value } : message));
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
