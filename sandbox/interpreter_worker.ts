/**
 * The entry of an interpreter's Worker in worker isolation (`isolates.ts`), bundled by the host
 * into one JavaScript module. Its first message brings the `init` (with this interpreter's nonce),
 * its own copy of the snapshot, the compiled wasm module and the standard library; it then serves one
 * interpreter (`interpreter.ts`) on the process's stdin and stdout, asks the main thread to keep
 * its deadline, and reports its end before it stops.
 *
 * `primordials.ts` is imported first: its captures happen before anything else is evaluated.
 */
import { PromiseCtor } from "./primordials.ts";
import type { PyodideAPI } from "pyodide";
import { ByteReader } from "./byte_reader.ts";
import { serveInterpreter } from "./interpreter.ts";
import type { IsolateMessage, IsolateStart } from "./isolates.ts";
import { quietConsole, removeWebStorage } from "./lockdown.ts";
import { Relay, writeFully } from "./relay.ts";

// Captured before any user code runs: Python can reach and replace globals through `js`.
const stdoutWrite = Deno.stdout.writeSync.bind(Deno.stdout);
const stderrWrite = Deno.stderr.writeSync.bind(Deno.stderr);
const exit: (code?: number) => never = Deno.exit; // in a Worker: ends the Worker only
/** The Worker's own global scope (`self`). */
const scope = globalThis as unknown as {
  postMessage(message: unknown): void;
  close(): void;
  onmessage: ((event: MessageEvent<IsolateStart>) => void) | null;
};
const post: (message: IsolateMessage) => void = scope.postMessage.bind(scope);
const atomicsStore = Atomics.store;
const apply = Reflect.apply;
const createObjectURL = URL.createObjectURL;
const writeStdout = (bytes: Uint8Array) => writeFully(bytes, stdoutWrite);
const writeStderr = (bytes: Uint8Array) => writeFully(bytes, stderrWrite);

/** Tells the main thread this interpreter ended, and stops. */
function end(reusable: boolean): never {
  post({ type: "ended", reusable });
  return exit(0);
}

/**
 * A program that ends its Worker (`Deno.exit`, `close`) would leave the main thread waiting until
 * the deadline: these report the end first. (Through Deno's internals a program can still end it
 * silently; the host then stops the run at its deadline.)
 */
function reportEnds(): void {
  Deno.exit = () => end(false);
  scope.close = () => void end(false);
}

/**
 * A blob URL outlives the Worker that made it (the store is the process's): each one the program
 * makes is reported to the main thread, before the program has it, to be revoked at the end.
 */
function reportBlobUrls(): void {
  URL.createObjectURL = (object: Blob) => {
    const url: string = apply(createObjectURL, URL, [object]);
    post({ type: "blob", url });
    return url;
  };
}

async function serve(start: IsolateStart): Promise<never> {
  quietConsole(writeStderr);
  removeWebStorage();
  reportEnds();
  reportBlobUrls();
  const reader = new ByteReader({
    read: Deno.stdin.read.bind(Deno.stdin),
    readSync: Deno.stdin.readSync.bind(Deno.stdin),
  });
  const relay = new Relay(start.init.nonce, reader, writeStdout, (what) => {
    console.error(what);
    return end(false);
  });
  const interrupt = new Int32Array(start.interrupt);
  const watchdog = {
    arm: (ms: number) => post({ type: "arm", ms }),
    pause: () => post({ type: "pause" }),
    clear: () => void atomicsStore(interrupt, 0, 0),
    attach: (pyodide: PyodideAPI) => pyodide.setInterruptBuffer(interrupt),
  };
  const load = { assets: start.assets, snapshot: new Uint8Array(start.snapshot) };
  const io = { reader, relay, end, gone: () => end(false), watchdog };
  return await serveInterpreter(io, start.init.limits, load, start.warmUp);
}

await new PromiseCtor<void>((resolve) => {
  scope.onmessage = (event) => {
    scope.onmessage = null;
    resolve();
    void serve(event.data);
  };
});
