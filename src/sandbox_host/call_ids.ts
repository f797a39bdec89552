/**
 * The tool call ids one run has seen, to catch a reused one (a protocol violation: two answers
 * would carry the same id). Bounded: every call that took one of the run's slots is remembered
 * for the whole run (at most `max_tool_calls` of them), calls refused past the cap only in a
 * window of the most recent ones, so a program looping on refused calls cannot grow the host's
 * memory. Pure.
 */

/** Refused calls' ids remembered, the most recent ones. */
export const REFUSED_ID_WINDOW = 1024;

/** The call ids of one run. */
export class CallIds {
  #counted = new Set<number>();
  #refused = new Set<number>();
  #window: number;

  constructor(window = REFUSED_ID_WINDOW) {
    this.#window = window;
  }

  /**
   * Records `id`; false when it was seen already. `counted`: the call takes one of the run's
   * slots (remembered for the run), else it is refused (remembered in the window).
   */
  claim(id: number, counted: boolean): boolean {
    if (this.#counted.has(id) || this.#refused.has(id)) return false;
    if (counted) {
      this.#counted.add(id);
      return true;
    }
    this.#refused.add(id);
    // A Set iterates in insertion order: its first entry is the oldest.
    if (this.#refused.size > this.#window) {
      this.#refused.delete(this.#refused.values().next().value!);
    }
    return true;
  }

  /** How many ids are remembered (for tests: bounded whatever the number of calls). */
  get size(): number {
    return this.#counted.size + this.#refused.size;
  }
}
