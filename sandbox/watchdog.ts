/**
 * The child's watchdog: interrupts Python at the deadline, or as soon as the host is gone (the
 * child is re-parented). A timer on a second thread (a Worker from a blob URL, which needs no
 * permission) raises SIGINT in Pyodide's interrupt buffer, which the interpreter checks even in a
 * tight loop. The host still kills the child if that does not end the run; a child whose host died
 * exits when its answer cannot be written. Created first, so that the thread starts while Pyodide
 * loads (starting it costs ~10 ms), and attached to Pyodide once it is there;
 * armed per run, paused while the host waits for a person's approval and armed again with the time
 * left. Messages to the thread go through a `postMessage` captured before any user code ran.
 */
import type { PyodideAPI } from "pyodide";

const SOURCE = "let stop; let timer; onmessage = (e) => { const d = e.data; " +
  "if (d.buffer) { const view = new Int32Array(d.buffer); " +
  "stop = () => { Atomics.store(view, 0, 2); Atomics.notify(view, 0); }; " +
  "const parent = Deno.ppid; " +
  "setInterval(() => { if (Deno.ppid !== parent) stop(); }, 250); } " +
  "clearTimeout(timer); if (d.ms !== undefined) timer = setTimeout(stop, d.ms); };";

const postMessage = Worker.prototype.postMessage;
const atomicsStore = Atomics.store;
const atomicsWait = Atomics.wait;

/** Arms (with the ms left until the deadline) and pauses the watchdog. */
export interface Watchdog {
  arm(deadlineMs: number): void;
  pause(): void;
  /** Clears an interrupt that fired after the run ended (a session's next run starts clean). */
  clear(): void;
}

/** The process-mode watchdog: also lets the main thread wait until it fires. */
export interface ProcessWatchdog extends Watchdog {
  /** Gives Pyodide its interrupt buffer and the thread the buffer. */
  attach(pyodide: PyodideAPI): void;
  /**
   * Blocks the main thread until the watchdog fires (the host is gone, or a deadline) or `maxMs`
   * pass: a child whose run is reported waits for the host's kill rather than exiting, so that its
   * teardown does not compete with the host reading its `done`.
   */
  hold(maxMs: number): void;
}

/** Starts the watchdog thread (not yet armed); `attach` gives Pyodide its interrupt buffer. */
export function createWatchdog(): ProcessWatchdog {
  const interrupt = new Int32Array(new SharedArrayBuffer(4));
  const url = URL.createObjectURL(new Blob([SOURCE], { type: "application/javascript" }));
  const thread = new Worker(url, { type: "module" });
  const send = (message: unknown) => Reflect.apply(postMessage, thread, [message]);
  return {
    arm: (ms) => send({ ms }),
    pause: () => send({}),
    clear: () => void atomicsStore(interrupt, 0, 0),
    hold: (maxMs) => void atomicsWait(interrupt, 0, 0, maxMs),
    attach: (pyodide) => {
      pyodide.setInterruptBuffer(interrupt);
      // Sharing the buffer costs milliseconds the first time: done here, before `ready`.
      send({ buffer: interrupt.buffer });
    },
  };
}
