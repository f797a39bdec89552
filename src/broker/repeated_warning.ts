/**
 * A warning that may recur without bound (each result past `max_result_bytes`, say), kept to a
 * bounded number of log lines: said in full the first time, then counted, with at most one
 * summary line per interval that says how many were not logged and gives the latest.
 */

/** What to log for one occurrence. */
export type WarningLine =
  | { kind: "first"; line: string }
  | { kind: "summary"; line: string; count: number }
  | { kind: "counted" };

/** Counts occurrences of one kind of warning; see {@link RepeatedWarning.note}. */
export class RepeatedWarning {
  readonly #intervalMs: number;
  readonly #now: () => number;
  #said = false;
  #unsaid = 0;
  #lastLine = 0;

  constructor(intervalMs = 60_000, now: () => number = Date.now) {
    this.#intervalMs = intervalMs;
    this.#now = now;
  }

  /** One more occurrence with this message: the line to log, if any. */
  note(message: string): WarningLine {
    const now = this.#now();
    if (!this.#said) {
      this.#said = true;
      this.#lastLine = now;
      return { kind: "first", line: message };
    }
    this.#unsaid++;
    if (now - this.#lastLine < this.#intervalMs) return { kind: "counted" };
    const count = this.#unsaid;
    this.#unsaid = 0;
    this.#lastLine = now;
    const seconds = Math.round(this.#intervalMs / 1000);
    return {
      kind: "summary",
      count,
      line: `${count} more like it (at most one line per ${seconds} s); the latest: ${message}`,
    };
  }
}
