/**
 * The tool calls being answered right now, shared by every session of one server process, so a
 * shutdown can first have every in-flight `execute_code` / `run_agent` answered (the executor
 * ends their runs with SHUTTING_DOWN) and only then close the transports.
 */

/** Counts tool calls until their handlers return; `signal` aborts when shutdown begins. */
export class InFlight {
  #count = 0;
  #idle: Array<() => void> = [];
  #stopping = new AbortController();

  /** Aborted once {@link InFlight.stop} was called (a long handler ends early on it). */
  get signal(): AbortSignal {
    return this.#stopping.signal;
  }

  /** Handlers that have not returned yet. */
  get count(): number {
    return this.#count;
  }

  /** Runs a handler, counted until it settles. */
  async track<T>(handler: () => Promise<T>): Promise<T> {
    this.#count++;
    try {
      return await handler();
    } finally {
      this.#count--;
      if (this.#count === 0) { for (const resolve of this.#idle.splice(0)) resolve(); }
    }
  }

  /** Marks the start of shutdown (aborts {@link InFlight.signal}). */
  stop(): void {
    this.#stopping.abort();
  }

  /**
   * Resolves once every handler has returned and the SDK has had a turn to send their answers,
   * or after `graceMs`; true when everything was answered.
   */
  async drained(graceMs: number): Promise<boolean> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const idle = this.#count === 0
      ? Promise.resolve(true)
      : new Promise<boolean>((resolve) => this.#idle.push(() => resolve(true)));
    const late = new Promise<boolean>((resolve) => (timer = setTimeout(resolve, graceMs, false)));
    const answered = await Promise.race([idle, late]);
    clearTimeout(timer);
    // The SDK writes a handler's answer a few microtasks after it returns.
    await new Promise((resolve) => setTimeout(resolve, 0));
    return answered;
  }
}
