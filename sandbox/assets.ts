/**
 * The sandbox's assets as static imports (which need no permission): Pyodide's compiled wasm
 * module and the standard library's zip. A process-mode child loads Pyodide with them; a
 * worker-mode child hands them to each interpreter's Worker (a module compiled once is shared).
 */
import stdlibZip from "pyodide/python_stdlib.zip" with { type: "bytes" };
import type { SandboxAssets } from "./pyodide_loader.ts";
import { wasmModule } from "./wasm_module.js";

/** The wasm module and the standard library. */
export const assets: SandboxAssets = { wasm: wasmModule, stdlib: stdlibZip };
