/**
 * The child's warm-up. A fresh V8 compiles wasm functions lazily on first call, so before saying
 * `ready` the child runs throwaway programs over the common paths (JSON, a sync and two async tool
 * calls, the policy check, a syntax error, a traceback): the agent's run does not pay for compiling
 * the interpreter's hot paths. Tool calls are answered locally meanwhile.
 *
 * The Python half of that work (modules the error paths import, such as `difflib` for a syntax
 * error's suggestions, and the caches they fill) is done once, before the memory snapshot is
 * taken ({@link prepareSnapshot}), so that each child pays only for the wasm compilation.
 */
import type { PyodideAPI } from "pyodide";
import type { ChildLimits, RunPolicy, ToolRef } from "../src/relay/protocol.ts";
import { OutputCapture } from "./output_capture.ts";
import { stringify } from "./primordials.ts";
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
/** The programs that call no tool (the snapshot is taken with no JavaScript object in reach). */
const TOOL_FREE = PROGRAMS.slice(1);
const POLICY: RunPolicy = {
  allowed_imports: ["json", "asyncio"],
  denied_names: ["eval"],
  denied_attributes: ["__globals__"],
};
const TOOL: ToolRef = { server: "warm", tool: "echo", py_server: "warm", py_name: "echo", doc: "" };

/** Answers a tool call with its own arguments, as the host would answer an echo tool. */
export function localEcho(_server: string, _tool: string, argsJson: string): string {
  return `{"ok":true,"value":${argsJson}}`;
}

/** Runs the warm-up programs (output discarded; the relay must answer with {@link localEcho}). */
export async function warmUp(
  pyodide: PyodideAPI,
  limits: ChildLimits,
  programs: string[] = PROGRAMS,
): Promise<void> {
  const output = new OutputCapture(limits, () => {});
  pyodide.setStdout({ write: (bytes: Uint8Array) => output.write("stdout", bytes), isatty: false });
  pyodide.setStderr({ write: (bytes: Uint8Array) => output.write("stderr", bytes), isatty: false });
  for (const code of programs) await execute(pyodide, limits, code, [TOOL], POLICY);
}

/**
 * The last warm-up, once the host sent its catalog and policy (`prepare`): a throwaway program
 * through them (their parsing and checks compiled, about 1.5 ms off the first run), then `tools`
 * built from the catalog for the run that comes.
 */
export async function prepareRun(
  pyodide: PyodideAPI,
  limits: ChildLimits,
  tools: ToolRef[],
  policy: RunPolicy | null,
): Promise<void> {
  await execute(pyodide, limits, "pass", tools, policy);
  const globals = pyodide.toPy({ _tools: stringify(tools) });
  pyodide.runPython("import _mcp_runner\n_mcp_runner.prepare(_tools)", { globals });
  globals.destroy();
}

/** Runs the tool-free warm-up programs in the interpreter the snapshot is about to be taken of. */
export async function prepareSnapshot(pyodide: PyodideAPI): Promise<void> {
  const limits = { output_bytes: 1 << 16, output_hard_bytes: 1 << 20, result_bytes: 1 << 16 };
  await warmUp(pyodide, limits, TOOL_FREE);
}
