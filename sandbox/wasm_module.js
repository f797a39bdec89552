// Pyodide's compiled WebAssembly module, loaded as a static `import source`, so the zero-permission
// child needs no read access. Kept in a .js file because TypeScript cannot parse `import source`.
import source wasmModule from "pyodide/pyodide.asm.wasm";

export { wasmModule };
