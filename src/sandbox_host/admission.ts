/**
 * Admission control: at most `max` executions run at once; the rest wait in a FIFO queue, each up
 * to its own timeout, and leave it when cancelled or when the executor shuts down. Pure state and
 * timers: no processes.
 */

/** Why an execution was not admitted. */
export type Refusal = "timeout" | "cancelled" | "closed";

/** An admission (call `release` exactly when the execution ends), or why there was none. */
export type Admitted = { ok: true; release: () => void } | { ok: false; reason: Refusal };

interface Waiter {
  admit: () => void;
  refuse: (reason: Refusal) => void;
}

/** A counting semaphore with a FIFO queue, timeouts and cancellation. */
export class Admission {
  readonly max: number;
  #running = 0;
  #queue: Waiter[] = [];
  #closed = false;

  constructor(max: number) {
    this.max = max;
  }

  /** Executions admitted and not yet released. */
  get running(): number {
    return this.#running;
  }

  /** Executions waiting in the queue. */
  get waiting(): number {
    return this.#queue.length;
  }

  /** Waits for a slot (at once when one is free and nobody waits); never rejects. */
  enter(timeoutMs: number, signal?: AbortSignal): Promise<Admitted> {
    if (this.#closed) return Promise.resolve({ ok: false, reason: "closed" });
    if (signal?.aborted) return Promise.resolve({ ok: false, reason: "cancelled" });
    if (this.#running < this.max && this.#queue.length === 0) {
      return Promise.resolve(this.#admit());
    }
    return new Promise((resolve) => this.#wait(resolve, timeoutMs, signal));
  }

  /** Refuses every waiting execution and every later one with "closed". */
  close(): void {
    this.#closed = true;
    for (const waiter of [...this.#queue]) waiter.refuse("closed");
  }

  #wait(resolve: (admitted: Admitted) => void, timeoutMs: number, signal?: AbortSignal): void {
    const onAbort = () => waiter.refuse("cancelled");
    const timer = setTimeout(() => waiter.refuse("timeout"), timeoutMs);
    const leave = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      const at = this.#queue.indexOf(waiter);
      if (at >= 0) this.#queue.splice(at, 1);
    };
    const waiter: Waiter = {
      admit: () => {
        leave();
        resolve(this.#admit());
      },
      refuse: (reason) => {
        leave();
        resolve({ ok: false, reason });
      },
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    this.#queue.push(waiter);
  }

  #admit(): Admitted {
    this.#running++;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.#running--;
      if (!this.#closed) this.#queue[0]?.admit();
    };
    return { ok: true, release };
  }
}
