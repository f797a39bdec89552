/**
 * Runs one program in the child's Pyodide through the runner module (`runner.py`) and turns what
 * comes back — or what Pyodide itself throws — into the outcome the child reports.
 */
import type { PyodideAPI } from "pyodide";
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
 * Runs `code` with `tools`, checked against `policy` first (none: unchecked); with `keep` (a
 * session) in the namespace the child's earlier runs left. Never throws.
 */
export async function execute(
  pyodide: PyodideAPI,
  limits: ChildLimits,
  code: string,
  tools: ToolRef[],
  policy: RunPolicy | null,
  skills: SkillSource[] = [],
  keep = false,
): Promise<Outcome> {
  let outcome: Outcome & { result_json?: string };
  try {
    const globals = pyodide.toPy({
      _code: code,
      _tools: stringify(tools),
      _limit: limits.result_bytes,
      _policy: stringify(policy),
      _skills: stringify(skills),
      _keep: keep,
    });
    const text: string = await pyodide.runPythonAsync(
      "import _mcp_runner\nawait _mcp_runner.run(_code, _tools, _limit, _policy, " +
        "skills_json=_skills, keep=_keep)",
      { globals },
    );
    globals.destroy();
    outcome = parseJson(text) as Outcome & { result_json?: string };
  } catch (error) {
    outcome = { ok: false, error: fatalError(error) };
  }
  const { result_json, ...rest } = outcome;
  return result_json === undefined ? rest : { ...rest, result: parseJson(result_json) };
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
