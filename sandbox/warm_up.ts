/**
 * The child's warm-up. A fresh V8 compiles wasm functions lazily on first call, so before saying
 * `ready` the child runs throwaway programs over the common paths (JSON, a sync and two async tool
 * calls, a syntax error, a traceback): the agent's run does not pay for compiling the
 * interpreter's hot paths. Tool calls are answered locally meanwhile.
 */
import type { PyodideAPI } from "pyodide";
import type { ChildLimits, ToolRef } from "../src/relay/protocol.ts";
import { OutputCapture } from "./output_capture.ts";
import { execute } from "./program.ts";

const PROGRAMS = [
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
const TOOL: ToolRef = { server: "warm", tool: "echo", py_server: "warm", py_name: "echo", doc: "" };

/** Answers a tool call with its own arguments, as the host would answer an echo tool. */
export function localEcho(_server: string, _tool: string, argsJson: string): string {
  return `{"ok":true,"value":${argsJson}}`;
}

/** Runs the warm-up programs (output discarded; the relay must answer with {@link localEcho}). */
export async function warmUp(pyodide: PyodideAPI, limits: ChildLimits): Promise<void> {
  const output = new OutputCapture(limits, () => {});
  pyodide.setStdout({ write: (bytes: Uint8Array) => output.write("stdout", bytes), isatty: false });
  pyodide.setStderr({ write: (bytes: Uint8Array) => output.write("stderr", bytes), isatty: false });
  for (const code of PROGRAMS) await execute(pyodide, limits, code, [TOOL], null);
}
