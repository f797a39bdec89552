/**
 * Where a worker-isolation child stands between two interpreters (`child.ts` keeps the timers and
 * the messages): `recycle` is valid once the interpreter reported `done`, at most once; the host
 * fences the next interpreter only when it has released the child too, in either order.
 */

/** What to do with a child's `recycle`. */
export type RecycleAnswer = "fence" | "wait" | "violation";

/** The recycling state of one child. */
export class RecycleState {
  #done = false;
  #released = false;
  #asked = false;
  #between = false;

  /** True from the release until the next interpreter is ready (or the child is gone). */
  get between(): boolean {
    return this.#between;
  }

  /** The interpreter reported `done`. */
  done(): void {
    this.#done = true;
  }

  /** The host released the child; true when the child asked already (fence now). */
  release(): boolean {
    if (this.#released) return false;
    this.#released = true;
    this.#between = true;
    return this.#asked;
  }

  /** The child said `recycle`: fence now, wait for the release, or condemn the child. */
  ask(): RecycleAnswer {
    if (!this.#done || this.#asked) return "violation";
    this.#asked = true;
    return this.#released ? "fence" : "wait";
  }

  /** The fence went out: the next interpreter starts afresh. */
  fenced(): void {
    this.#done = false;
    this.#released = false;
    this.#asked = false;
  }

  /** The next interpreter is ready, or the child is gone. */
  settled(): void {
    this.#between = false;
  }
}
