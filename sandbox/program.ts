/**
 * Runs one program in the child's Pyodide through the runner module (`runner.py`) and turns what
 * comes back — or what Pyodide itself throws — into the outcome the child reports.
 */
import type { PyodideAPI } from "pyodide";
import type { PyProxy } from "pyodide/ffi";
import type {
  ChildLimits,
  ChildRunResult,
  RunError,
  RunPolicy,
  SkillSource,
  ToolRef,
} from "../src/relay/protocol.ts";
import { parseJson, stringify, stringSlice } from "./primordials.ts";

/** A run's result before the captured output is added. */
export type Outcome = Omit<ChildRunResult, "stdout" | "stderr">;

/**
 * Runs `code` with `tools` (null: the catalog the child was prepared with), checked against
 * `policy` first (none: unchecked); with `keep` (a session) in the namespace the child's earlier
 * runs left. Never throws.
 */
export async function execute(
  pyodide: PyodideAPI,
  limits: ChildLimits,
  code: string,
  tools: ToolRef[] | null,
  policy: RunPolicy | null,
  skills: SkillSource[] = [],
  keep = false,
): Promise<Outcome> {
  let outcome: Outcome & { result_json?: string };
  try {
    // An eager task: a program that never waits finishes inside this call, with no trip through
    // the event loop; one that waits comes back as the task to await.
    const runner = runnerOf(pyodide);
    const started: string | PyProxy = runner.start.callKwargs(
      code,
      tools === null ? undefined : stringify(tools), // undefined is None in Python
      limits.result_bytes,
      stringify(policy),
      { skills_json: stringify(skills), keep },
    );
    const text: string = typeof started === "string" ? started : await settle(started);
    runner.cancelLeftovers();
    outcome = parseJson(text) as Outcome & { result_json?: string };
  } catch (error) {
    outcome = { ok: false, error: fatalError(error) };
  }
  const { result_json, ...rest } = outcome;
  return result_json === undefined ? rest : { ...rest, result: parseJson(result_json) };
}

/** The runner's entry points, looked up once per interpreter. */
interface Runner {
  start: PyProxy;
  cancelLeftovers: () => void;
}

const runners = new WeakMap<PyodideAPI, Runner>();

/**
 * `_mcp_runner.start` and `cancel_leftovers`, looked up once per interpreter (no Python source to
 * compile per run; a program that replaces the module's attributes does not change what the next
 * run calls).
 */
function runnerOf(pyodide: PyodideAPI): Runner {
  let runner = runners.get(pyodide);
  if (!runner) {
    const module = pyodide.pyimport("_mcp_runner");
    runner = { start: module.start, cancelLeftovers: module.cancel_leftovers };
    runners.set(pyodide, runner);
  }
  return runner;
}

/** Awaits a Python task handed to JavaScript and releases it. */
async function settle(task: PyProxy): Promise<string> {
  try {
    return await (task as unknown as Promise<string>);
  } finally {
    task.destroy();
  }
}

/** The error of a run stopped for writing too much. */
export function outputLimitError(limits: ChildLimits): RunError {
  return {
    code: "OUTPUT_LIMIT",
    message:
      `The program wrote more than ${limits.output_hard_bytes} bytes of output and was stopped; ` +
      "print less (summarise, or return a value) and run it again.",
  };
}

/** Maps an error thrown by Pyodide itself (not a Python exception) to a run error. */
export function fatalError(error: unknown): RunError {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  if (/out of memory|Cannot enlarge memory|allocation failed|Out of bounds memory/i.test(text)) {
    return {
      code: "MEMORY_LIMIT",
      type: "MemoryError",
      message: `The program ran out of memory (${stringSlice(text, 0, 200)})`,
    };
  }
  return {
    code: "SANDBOX_CRASH",
    message: `The Python runtime failed: ${stringSlice(text, 0, 500)}`,
  };
}
