/**
 * Ctrl-C in the debug client: the first stops the run and waits for the server's answer (the
 * server, which a terminal's Ctrl-C reaches too, or to which the client passes the signal on,
 * ends the run and answers with what it has), a second quits at once.
 */
import { say } from "./debug_print.ts";

/** The exit code of a run stopped by Ctrl-C (128 + SIGINT, as shells report it). */
export const INTERRUPTED = 130;

/** How long Ctrl-C waits for the server to answer the run it stops. */
const INTERRUPT_GRACE_MS = 10_000;

/** Listens for Ctrl-C (SIGINT) for the rest of the process. */
export class Interrupt {
  pressed = false;
  /** Set once the run has its answer: a later Ctrl-C has nothing left to wait for. */
  settled = false;
  #press = Promise.withResolvers<void>();
  #quit = Promise.withResolvers<number>();
  /** Resolves with the exit code when the client must stop waiting. */
  readonly forced = this.#quit.promise;

  constructor(serverPid: () => number | null) {
    Deno.addSignalListener("SIGINT", () => {
      if (this.pressed) {
        say("\n── interrupted (Ctrl-C) again: quitting without the server's answer.");
        this.#quit.resolve(INTERRUPTED);
        return;
      }
      this.pressed = true;
      this.#press.resolve();
      if (!this.settled) {
        say("\n── interrupted (Ctrl-C): stopping the run (Ctrl-C again to quit now).");
      }
      const pid = serverPid();
      if (pid) { // a terminal's Ctrl-C reaches the server too; a `kill -INT` of ours does not
        try {
          Deno.kill(pid, "SIGINT");
        } catch { /* already gone */ }
      }
      setTimeout(() => this.#quit.resolve(INTERRUPTED), INTERRUPT_GRACE_MS);
    });
  }

  /**
   * True when Ctrl-C was pressed, waiting up to `ms` for it: the server, stopped by the same
   * Ctrl-C, may answer before this process has run its own signal listener.
   */
  async happened(ms: number): Promise<boolean> {
    if (this.pressed) return true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([this.#press.promise, new Promise((r) => timer = setTimeout(r, ms))]);
    clearTimeout(timer);
    return this.pressed;
  }
}
