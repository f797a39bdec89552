/**
 * Which runtime Pyodide believes it runs in. Left alone, Pyodide sees Deno's `process` global and
 * takes its Node path: it imports `node:fs`, `node:vm`, `node:crypto`, `node:child_process` and the
 * `ws` package, which loads Deno's Node compatibility layer in every child (about 35 ms of CPU)
 * and puts those modules within reach of Python. Instead, before Pyodide's modules are evaluated,
 * this module removes `process` and gives Pyodide the two functions of a JavaScript shell
 * (`read`, `load`; with `readbuffer`) that answer only the embedded standard library. Pyodide then
 * takes its shell path; Emscripten, inside it, is told it runs on the web for the duration of the
 * module's creation (see {@link asWebPage}), so that it draws randomness from
 * `crypto.getRandomValues`. {@link endShellMode} removes the shell functions once Pyodide loaded.
 *
 * Outside Node, Pyodide schedules its event loop's "run soon" callbacks with `setTimeout(0)`,
 * which nested timers clamp to 4 ms: an `await` costs milliseconds. {@link scheduleCallback}
 * runs them as macrotasks through a MessageChannel instead (what `setImmediate` does in Node).
 *
 * Imported first by `pyodide_loader.ts`, ahead of `pyodide`: evaluation order is import order.
 * It imports nothing itself (the standard library's bytes are handed to it, {@link provideStdlib}),
 * so that the same code runs in a process and, bundled, in a Worker.
 */
/** Where Pyodide looks for its standard library (answered by `readbuffer` below, not a file). */
export const STDLIB_PATH = "/pyodide-embedded/python_stdlib.zip";
/** The wasm file Pyodide reads before the `instantiateWasm` hook replaces it (never used). */
const WASM_PATH = "/pyodide-embedded/pyodide.asm.wasm";
const SHELL_FUNCTIONS = ["read", "readbuffer", "load"];
let stdlibZip = new Uint8Array(0);

/** Gives `readbuffer` the standard library's zip (before Pyodide loads). */
export function provideStdlib(zip: Uint8Array<ArrayBuffer>): void {
  stdlibZip = zip;
}

function readbuffer(path: string): ArrayBuffer {
  if (path === STDLIB_PATH) {
    return stdlibZip.buffer.slice(stdlibZip.byteOffset, stdlibZip.byteOffset + stdlibZip.length);
  }
  if (path === WASM_PATH) return new ArrayBuffer(0);
  throw new Error(`The sandbox has no file ${path}`);
}

const shell: Record<string, unknown> = {
  read: (path: string) => new Uint8Array(readbuffer(path)),
  readbuffer,
  load: (path: string) => {
    throw new Error(`The sandbox loads no script (${path})`);
  },
};

Reflect.deleteProperty(globalThis, "process");
for (const name of SHELL_FUNCTIONS) Reflect.set(globalThis, name, shell[name]);

/** Removes the shell functions (Pyodide decided its runtime when its module was evaluated). */
export function endShellMode(): void {
  for (const name of SHELL_FUNCTIONS) Reflect.deleteProperty(globalThis, name);
}

/** Runs `create` (Emscripten's module factory) while `window` exists: Emscripten's web path. */
export function asWebPage<T>(create: () => T): T {
  Reflect.set(globalThis, "window", globalThis);
  try {
    return create(); // Emscripten reads its environment synchronously, before its first await
  } finally {
    Reflect.deleteProperty(globalThis, "window");
  }
}

const soon: Array<() => void> = [];
let channel: MessageChannel | undefined;

/**
 * Pyodide's `scheduleCallback`: `callback` after `delay` ms, and "as soon as possible" (after
 * pending I/O, not as a microtask) through a MessageChannel rather than a clamped `setTimeout`.
 */
export function scheduleCallback(callback: () => void, delay = 0): void {
  if (delay > 2) {
    setTimeout(callback, delay);
    return;
  }
  if (!channel) {
    channel = new MessageChannel();
    channel.port1.onmessage = () => soon.shift()?.();
  }
  soon.push(callback);
  channel.port2.postMessage(0);
}
