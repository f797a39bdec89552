/**
 * Loads Pyodide inside the zero-permission sandbox child.
 *
 * Every byte comes from static imports (which need no permission) or from the host: the lock file
 * and the Python sources via `import … with { type }`, the compiled wasm module and the stdlib zip
 * from the caller ({@link SandboxAssets}: static imports in a process, `sandbox/assets.ts`; a
 * message in a Worker), the memory snapshot over stdin. Pyodide runs in its shell mode (`pyodide_env.ts`). This leans on
 * Pyodide internals (the `createPyodideModule` option, Emscripten's `instantiateWasm` hook, the
 * shell's `readbuffer`): the pyodide version is pinned exactly and the sandbox tests fail when an
 * upgrade breaks it.
 */
import {
  asWebPage,
  endShellMode,
  provideStdlib,
  scheduleCallback,
  STDLIB_PATH,
} from "./pyodide_env.ts";
import createPyodideModule from "pyodide/pyodide.asm.mjs";
import { loadPyodide, type PyodideAPI } from "pyodide";
import lockFile from "pyodide/pyodide-lock.json" with { type: "json" };
import policySource from "./policy.py" with { type: "text" };
import policyLiteralsSource from "./policy_literals.py" with { type: "text" };
import policyReportSource from "./policy_report.py" with { type: "text" };
import runnerSource from "./runner.py" with { type: "text" };
import toolsSource from "./tools.py" with { type: "text" };
import skillsSource from "./skills.py" with { type: "text" };

const INDEX_URL = "/pyodide-embedded/";

/** What Pyodide is made of that cannot be bundled into a Worker's module. */
export interface SandboxAssets {
  /** Pyodide's compiled WebAssembly module. */
  wasm: WebAssembly.Module;
  /** The Python standard library's zip. */
  stdlib: Uint8Array<ArrayBuffer>;
}

/** Options for {@link loadSandboxPyodide}. */
export interface LoadOptions {
  /** The wasm module and the standard library. */
  assets: SandboxAssets;
  /** A memory snapshot made by this same build. */
  snapshot?: Uint8Array;
  /** Without a snapshot: prepare for making one (true) or just boot from scratch (false). */
  forSnapshot?: boolean;
}

/** Loads Pyodide with no filesystem or network access and installs the runner module. */
export async function loadSandboxPyodide(options: LoadOptions): Promise<PyodideAPI> {
  const errorMarker = Symbol("jsv error");
  const wasmModule = options.assets.wasm;
  provideStdlib(options.assets.stdlib);
  const forSnapshot = options.snapshot === undefined && options.forSnapshot !== false;
  const pyodide = await loadPyodide({
    indexURL: INDEX_URL,
    stdLibURL: STDLIB_PATH,
    // deno-lint-ignore no-explicit-any
    lockFileContents: lockFile as any,
    env: { HOME: "/home/pyodide" },
    _makeSnapshot: forSnapshot,
    _loadSnapshot: options.snapshot,
    // deno-lint-ignore no-explicit-any
    createPyodideModule: (settings: any) => {
      // deno-lint-ignore no-explicit-any
      settings.instantiateWasm = (imports: any, done: any) => {
        imports.env.Jsv_GetError_import = () => errorMarker;
        imports.env.JsvError_Check = (value: unknown) => value === errorMarker;
        WebAssembly.instantiate(wasmModule, imports).then((instance) => done(instance, wasmModule));
        return {};
      };
      return asWebPage(() => createPyodideModule(settings));
    },
  });
  endShellMode();
  // A snapshot holds no JavaScript object Pyodide cannot find again by path: the builder keeps
  // Pyodide's own scheduler (it only runs the tool-free warm-up).
  if (!forSnapshot) useScheduler(pyodide);
  if (options.snapshot === undefined) installModules(pyodide);
  return pyodide;
}

/** Makes Pyodide's event loop (and its JavaScript side) schedule with {@link scheduleCallback}. */
function useScheduler(pyodide: PyodideAPI): void {
  // deno-lint-ignore no-explicit-any
  (pyodide as any)._api.scheduleCallback = scheduleCallback;
  pyodide.globals.set("_mcp_schedule", scheduleCallback);
  pyodide.runPython(
    "import pyodide.webloop\npyodide.webloop.scheduleCallback = _mcp_schedule\n" +
      "del _mcp_schedule",
  );
}

/**
 * Runs `policy_literals.py` as `_mcp_policy_literals`, `policy_report.py` as `_mcp_policy_report`
 * (these two `policy.py` imports), `policy.py` as `_mcp_policy`, `tools.py` as `_mcp_tools`,
 * `skills.py` as `_mcp_skills` and `runner.py` as `_mcp_runner` (before a snapshot is taken, so
 * they are in it). Each is installed after the modules it imports.
 */
function installModules(pyodide: PyodideAPI): void {
  installModule(pyodide, "_mcp_policy_literals", "<mcp-policy-literals>", policyLiteralsSource);
  installModule(pyodide, "_mcp_policy_report", "<mcp-policy-report>", policyReportSource);
  installModule(pyodide, "_mcp_policy", "<mcp-policy>", policySource);
  installModule(pyodide, "_mcp_tools", "<mcp-tools>", toolsSource);
  installModule(pyodide, "_mcp_skills", "<mcp-skills>", skillsSource);
  installModule(pyodide, "_mcp_runner", "<mcp-runner>", runnerSource);
}

function installModule(pyodide: PyodideAPI, name: string, filename: string, source: string): void {
  pyodide.globals.set("_mcp_module_source", source);
  pyodide.runPython(`
import sys, types
_m = types.ModuleType(${JSON.stringify(name)})
exec(compile(_mcp_module_source, ${JSON.stringify(filename)}, "exec"), _m.__dict__)
sys.modules[${JSON.stringify(name)}] = _m
del _m, _mcp_module_source
`);
}

/**
 * Makes a memory snapshot of a freshly loaded Pyodide with the runner installed, after `prepare`
 * ran in it (what it loads and caches is in every child from then on).
 */
export async function makeSnapshot(
  assets: SandboxAssets,
  prepare: (pyodide: PyodideAPI) => Promise<void>,
): Promise<Uint8Array> {
  const pyodide = await loadSandboxPyodide({ assets, forSnapshot: true });
  await prepare(pyodide);
  return pyodide.makeMemorySnapshot();
}
