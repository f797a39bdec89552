/**
 * Worker isolation: whether any Worker is still running in a child between two interpreters. A
 * Worker a program starts (`new Worker`, `node:worker_threads`) is ended with its parent only
 * through its event loop: one in a loop that never yields (`for (;;) {}`, a loop of
 * `Atomics.wait` and synchronous reads) goes on running in the process after its interpreter is
 * gone, where it could read what the host sends the next one. Deno runs each Worker on a thread
 * of its own named `worker-<id>`; Deno lets only `--allow-all` read `/proc/<pid>/task`, so the
 * host asks `ps` for the child's thread names while the next interpreter loads (its Worker runs
 * by then, and no program has yet run in it): it must soon be the only one. Deno numbers a
 * process's Workers from 1 in the order they start, so the new one's number also tells whether
 * the earlier program started any Worker at all: one that ended may have left what outlives it
 * in the process (a blob URL), so that process is not used again either.
 */

import { log } from "../log.ts";

const decoder = new TextDecoder();
let unlistedLogged = false;
/** How long the ended interpreter's own Worker thread may take to exit. */
const END_MS = 1000;
/** How often the host looks while the ended interpreter's thread is still exiting. */
const POLL_MS = 5;

/** Whether the new interpreter's Worker is the only one, and the first started since the last. */
export type WorkersCheck = { ok: true } | { ok: false; reason: string };

/** Lists a process's thread names (`ps -T -o comm=` lines), or says why it cannot. */
export type ThreadLister = (pid: number) => Promise<string[] | string>;

/** The Worker threads (`worker-<id>`) among a process's thread names. */
export function workerThreadNames(names: string[]): string[] {
  return names.map((name) => name.trim()).filter((name) => /^worker-\d+$/.test(name));
}

/** The names of `pid`'s threads from `ps`, or a reason when it cannot tell. */
export async function psThreads(pid: number): Promise<string[] | string> {
  try {
    const ps = new Deno.Command("ps", {
      args: ["-T", "-o", "comm=", "-p", String(pid)],
      stdout: "piped",
      stderr: "null",
    });
    const out = await ps.output();
    // `ps -p` fails when the process is gone (and then runs no Worker either).
    if (!out.success && out.stdout.length > 0) return "ps failed";
    return decoder.decode(out.stdout).split("\n");
  } catch (error) {
    return `ps could not be run (${error instanceof Error ? error.message : String(error)})`;
  }
}

/** Follows one child's Workers from interpreter to interpreter (its first runs in `worker-1`). */
export class WorkerWatch {
  #last = 1;
  #list: ThreadLister;

  constructor(list: ThreadLister = psThreads) {
    this.#list = list;
  }

  /**
   * Resolves once the new interpreter's Worker is the only one `pid` runs (the ended one's thread
   * takes a moment to exit) and the next one started after the last interpreter's, or with the
   * reason why not within `ms`.
   */
  async next(pid: number, ms = END_MS): Promise<WorkersCheck> {
    const deadline = performance.now() + ms;
    while (true) {
      const names = await this.#list(pid);
      if (typeof names === "string") {
        const reason = `the sandbox's threads could not be listed: ${names}`;
        if (!unlistedLogged) {
          unlistedLogged = true; // once per host process: every later child would say the same
          log("error", `Worker isolation: ${reason}; each sandbox process serves one execution.`);
        }
        return { ok: false, reason };
      }
      const workers = workerThreadNames(names);
      if (workers.length === 1) return this.#numbered(Number(workers[0].slice(7)));
      if (performance.now() > deadline) {
        const running = workers.length ? workers.join(", ") : "none";
        return {
          ok: false,
          reason: "a Worker of an earlier program is still running beside the new interpreter's " +
            `(Workers: ${running}): the process is not used again`,
        };
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  #numbered(id: number): WorkersCheck {
    const expected = this.#last + 1;
    if (id !== expected) {
      return {
        ok: false,
        reason: `the earlier program started a Worker of its own (the new interpreter's is ` +
          `worker-${id}, not worker-${expected}): the process is not used again`,
      };
    }
    this.#last = id;
    return { ok: true };
  }
}
