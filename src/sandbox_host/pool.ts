/**
 * The warm pool: sandbox children started ahead of time, each handed out for exactly one
 * execution and replaced in the background (in worker isolation a child comes back once it serves
 * a fresh interpreter). With size 0 every execution starts its own child.
 * It never has more than `max_concurrent + pool_size` live children (idle, starting and handed
 * out until they exit).
 */
import type { SandboxConfig } from "../config.ts";
import { log } from "../log.ts";
import { SandboxChild } from "./child.ts";

/** A ready child, or why none could be had. */
export type AcquireResult = { ok: true; child: SandboxChild; warm: boolean } | {
  ok: false;
  message: string;
};

/** Options for {@link WarmPool}. */
export interface PoolOptions {
  /** Sandbox settings (pool_size among them). */
  config: SandboxConfig;
  /** Snapshot every child starts from. */
  snapshot: Uint8Array;
  /** Working directory of the children. */
  cwd: string;
  /** Called with each child once it is ready, before anyone gets it (to send it the catalog). */
  prepare?: (child: SandboxChild) => void;
  /** Worker isolation: the interpreter's bundled code. */
  bundle?: Uint8Array;
}

const MAX_PARALLEL_STARTS = 4;
const MAX_CONSECUTIVE_FAILURES = 3;

/** Keeps `pool_size` ready children. */
export class WarmPool {
  #options: PoolOptions;
  #idle: SandboxChild[] = [];
  #waiters: Array<(result: AcquireResult) => void> = [];
  #starting = new Set<SandboxChild>();
  #busy = new Set<SandboxChild>();
  #failures = 0;
  #closed = false;

  constructor(options: PoolOptions) {
    this.#options = options;
    this.#fill();
  }

  /** Every live child the pool owns (idle or starting). */
  get pids(): number[] {
    return [...this.#idle, ...this.#starting].map((c) => c.pid);
  }

  /** Live children: idle, starting and handed out (until they exit). */
  get live(): number {
    return this.#idle.length + this.#starting.size + this.#busy.size;
  }

  /** The most live children the pool ever has: `max_concurrent + pool_size`. */
  get cap(): number {
    return this.#options.config.max_concurrent + this.#options.config.pool_size;
  }

  /** Takes a ready child (waiting for one to start when none is); never throws. */
  acquire(): Promise<AcquireResult> {
    if (this.#closed) return Promise.resolve({ ok: false, message: "the sandbox pool is closed" });
    const child = this.#idle.shift();
    if (child) {
      this.#handOut(child);
      // A replacement competes for the CPU with the run it replaces: while another child is
      // ready, start it only when the run's child exits (or, in worker isolation, comes back).
      // Spawning takes the host a millisecond or two: after the caller has sent its run.
      if (this.#idle.length === 0) setTimeout(() => this.#fill(), 0);
      return Promise.resolve({ ok: true, child, warm: true });
    }
    const result = new Promise<AcquireResult>((resolve) => this.#waiters.push(resolve));
    this.#fill();
    return result;
  }

  /**
   * Stops counting a handed-out child as the pool's (a session keeps it; the session registry
   * bounds those), so the pool can start what is wanted in its place.
   */
  detach(child: SandboxChild): void {
    if (this.#busy.delete(child)) this.#fill();
  }

  /** Resolves once `pool_size` children are ready (or the pool gave up). */
  async warmUp(): Promise<void> {
    while (!this.#closed && this.#idle.length < this.#options.config.pool_size) {
      if (this.#failures >= MAX_CONSECUTIVE_FAILURES) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Kills every child and refuses further work. */
  async close(): Promise<void> {
    this.#closed = true;
    // Handed-out children too: in worker isolation one may be between two interpreters.
    const children = [...this.#idle, ...this.#starting, ...this.#busy];
    this.#idle = [];
    for (const resolve of this.#waiters.splice(0)) {
      resolve({ ok: false, message: "the server is shutting down" });
    }
    for (const child of children) child.kill();
    await Promise.all(children.map((child) => child.exited));
  }

  #fill(): void {
    const wanted = Math.min(this.#options.config.pool_size + this.#waiters.length, this.cap);
    // Children between two interpreters (worker isolation) are ready again in a moment.
    const coming = [...this.#busy].filter((child) => child.recycling).length;
    while (
      !this.#closed && this.#idle.length + this.#starting.size + coming < wanted &&
      this.live < this.cap && this.#starting.size < MAX_PARALLEL_STARTS
    ) {
      this.#startOne();
    }
  }

  /**
   * Counts a child as live until it exits, then starts what is wanted in its place; a child that
   * serves a fresh interpreter instead (worker isolation) is taken back.
   */
  #handOut(child: SandboxChild): void {
    this.#busy.add(child);
    child.exited.then(() => {
      if (this.#busy.delete(child)) this.#fill();
    });
    if (!child.recyclable) return;
    child.nextInterpreter().then((fresh) => {
      if (!fresh || !this.#busy.delete(child)) return;
      if (this.#closed) return child.kill();
      this.#adopt(child, true);
    });
  }

  #startOne(): void {
    const { config, snapshot, cwd, bundle } = this.#options;
    const child = SandboxChild.spawn({ config, snapshot, cwd, ...(bundle ? { bundle } : {}) });
    this.#starting.add(child);
    child.ready.then((ready) => {
      this.#starting.delete(child);
      if (this.#closed) return child.kill();
      if (!ready.ok) return this.#startFailed(child, ready.message);
      this.#failures = 0;
      this.#adopt(child, false);
    });
  }

  /** A ready child: prepared, then handed to a waiter or kept idle. */
  #adopt(child: SandboxChild, warm: boolean): void {
    this.#options.prepare?.(child);
    const waiter = this.#waiters.shift();
    if (waiter) {
      this.#handOut(child);
      waiter({ ok: true, child, warm });
    } else {
      this.#idle.push(child);
      child.exited.then(() => this.#forget(child));
    }
    this.#fill();
  }

  #startFailed(child: SandboxChild, message: string): void {
    child.kill();
    this.#failures++;
    log("error", `A sandbox child failed to start (${message}).`);
    if (this.#failures >= MAX_CONSECUTIVE_FAILURES) {
      for (const resolve of this.#waiters.splice(0)) {
        resolve({
          ok: false,
          message:
            `The Python sandbox cannot start (${message}). Check that Deno ${Deno.version.deno} ` +
            "can run sandbox/worker.ts and that the Pyodide snapshot in the cache is intact.",
        });
      }
      // Try again later rather than spinning.
      setTimeout(() => {
        this.#failures = MAX_CONSECUTIVE_FAILURES - 1;
        this.#fill();
      }, 5000);
      return;
    }
    this.#fill();
  }

  #forget(child: SandboxChild): void {
    const at = this.#idle.indexOf(child);
    if (at >= 0) {
      this.#idle.splice(at, 1);
      log("warn", `An idle sandbox child exited unexpectedly; replacing it.`);
      this.#fill();
    }
  }
}
