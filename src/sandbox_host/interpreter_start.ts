/**
 * The start of one interpreter in a sandbox child, seen from the host: the phases it reports
 * (stamped with the time since the start and, when measured, the child's CPU), whether it became
 * ready, and the start timeout, which kills the child.
 */
import type { StartPhase } from "../relay/protocol.ts";

/** The end of one phase of a start: ms since it began, and the child's CPU ms so far. */
export interface PhaseMark {
  name: StartPhase | "ready";
  wall_ms: number;
  /** With `measureStart` only, where `/proc` tells. */
  cpu_ms?: number;
}

/** Whether an interpreter became ready. */
export type ReadyResult = { ok: true } | { ok: false; message: string };

/** One interpreter's start. */
export class InterpreterStart {
  readonly ready: Promise<ReadyResult>;
  readonly phases: PhaseMark[] = [];
  #began = performance.now();
  #resolve!: (result: ReadyResult) => void;
  #cpu: () => number | undefined;

  /** Starts the clock; after `timeoutMs` without `ready` it fails and calls `onTimeout`. */
  constructor(timeoutMs: number, onTimeout: () => void, cpu: () => number | undefined) {
    this.#cpu = cpu;
    this.ready = new Promise((resolve) => (this.#resolve = resolve));
    const timer = setTimeout(() => {
      this.#resolve({ ok: false, message: `not ready after ${timeoutMs} ms` });
      onTimeout();
    }, timeoutMs);
    this.ready.then(() => clearTimeout(timer));
  }

  /** Records the end of a phase (none after `ready`); `ready` resolves the start. */
  mark(name: PhaseMark["name"]): void {
    if (this.phases.at(-1)?.name === "ready") return; // the start is over
    const wall_ms = Math.round((performance.now() - this.#began) * 10) / 10;
    const cpu_ms = this.#cpu();
    this.phases.push(cpu_ms === undefined ? { name, wall_ms } : { name, wall_ms, cpu_ms });
    if (name === "ready") this.#resolve({ ok: true });
  }

  /** Ends the start as failed (no effect once it has ended). */
  fail(message: string): void {
    this.#resolve({ ok: false, message });
  }
}
