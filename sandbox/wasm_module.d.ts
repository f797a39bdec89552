/** Pyodide's compiled WebAssembly module (see wasm_module.js). */
export declare const wasmModule: WebAssembly.Module;
