/**
 * What the sandbox child takes away from its own globals before any user code runs: console output
 * goes to stderr (never to stdout, which carries the relay), and the web storage globals are gone.
 *
 * Web storage is not the boundary: the child's Deno data folder (`src/sandbox_host/deno_dir.ts`)
 * is what keeps anything from being stored, in the main thread and in any Worker a program starts.
 * Removing the globals only makes the answer plain: `localStorage` is undefined rather than an
 * object whose every call fails (and sessionStorage, which Deno keeps in memory, is not there
 * either).
 */
import { encode } from "./primordials.ts";

const STORAGE_GLOBALS = ["localStorage", "sessionStorage", "caches", "indexedDB"];
const CONSOLE_METHODS = ["log", "info", "debug", "trace", "dir", "table"] as const;

/** Sends console output to stderr: JS run from Python must not write unframed lines by accident. */
export function quietConsole(writeAll: (bytes: Uint8Array) => void): void {
  for (const method of CONSOLE_METHODS) {
    console[method] = (...args: unknown[]) => writeAll(encode(args.map(String).join(" ") + "\n"));
  }
}

/** Removes localStorage, sessionStorage, the Cache API, IndexedDB and WebGPU from the globals. */
export function removeWebStorage(): void {
  for (const name of STORAGE_GLOBALS) Reflect.deleteProperty(globalThis, name);
  Reflect.deleteProperty(Object.getPrototypeOf(navigator), "gpu");
}
