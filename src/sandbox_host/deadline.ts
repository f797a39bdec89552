/**
 * A run's deadline that can be paused: while a person is asked to approve a tool call the clock
 * stops, so the time spent waiting does not count against the execution's `timeout_ms`. Pauses
 * nest (the clock runs again when the last one ends); each pause and resume is reported through
 * `onPause` / `onResume` so the sandbox child's own watchdog can follow.
 */

/** Options for {@link Deadline}. */
export interface DeadlineOptions {
  /** Milliseconds the run may take, pauses excluded. */
  ms: number;
  /** Called once when the time is up (not while paused). */
  onExpire: () => void;
  /** The clock stopped. */
  onPause?: () => void;
  /** The clock runs again with `remainingMs` left. */
  onResume?: (remainingMs: number) => void;
  /** The clock (default `performance.now`). */
  now?: () => number;
}

/** A countdown that can be paused and resumed. */
export class Deadline {
  #options: DeadlineOptions;
  #now: () => number;
  #remaining: number;
  #since: number;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #pauses = 0;
  #stopped = false;

  /** Starts counting down at once. */
  constructor(options: DeadlineOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => performance.now());
    this.#remaining = options.ms;
    this.#since = this.#now();
    this.#arm();
  }

  /** Milliseconds left (frozen while paused). */
  get remainingMs(): number {
    return this.#pauses > 0 ? this.#remaining : this.#left();
  }

  /** Stops the clock until the returned function is called (once; later calls do nothing). */
  pause(): () => void {
    if (this.#stopped) return () => {};
    if (this.#pauses++ === 0) {
      this.#remaining = this.#left();
      clearTimeout(this.#timer);
      this.#options.onPause?.();
    }
    let resumed = false;
    return () => {
      if (resumed || this.#stopped) return;
      resumed = true;
      if (--this.#pauses > 0) return;
      this.#since = this.#now();
      this.#arm();
      this.#options.onResume?.(this.#remaining);
    };
  }

  /** Cancels the deadline for good. */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  #left(): number {
    return Math.max(0, this.#remaining - (this.#now() - this.#since));
  }

  #arm(): void {
    this.#timer = setTimeout(() => {
      if (!this.#stopped && this.#pauses === 0) this.#options.onExpire();
    }, this.#remaining);
  }
}
