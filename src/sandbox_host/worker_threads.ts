/**
 * Worker isolation: whether any Worker is still running in a child between two interpreters. A
 * Worker a program starts (`new Worker`, `node:worker_threads`) is ended with its parent only
 * through its event loop: one in a loop that never yields (`for (;;) {}`, a loop of
 * `Atomics.wait` and synchronous reads) goes on running in the process after its interpreter is
 * gone, where it could read what the host sends the next one. Deno runs each Worker on a thread
 * of its own named `worker-<id>`; Deno lets only `--allow-all` read `/proc/<pid>/task`, so the
 * host asks `ps` for the child's thread names while the next interpreter loads (its Worker runs
 * by then, and no program has yet run in it): it must soon be the only one.
 */

const decoder = new TextDecoder();
/** How long the ended interpreter's own Worker thread may take to exit. */
const END_MS = 1000;
/** How often the host looks while the ended interpreter's thread is still exiting. */
const POLL_MS = 5;

/** Whether the child's Workers have all ended. */
export type WorkersCheck = { ok: true } | { ok: false; reason: string };

/** The Worker threads (`worker-<id>`) among `ps -T -o comm=` output lines. */
export function workerThreadNames(psOutput: string): string[] {
  return psOutput.split("\n").map((line) => line.trim()).filter((name) =>
    /^worker-\d+$/.test(name)
  );
}

/** The names of `pid`'s Worker threads, or a reason when `ps` cannot tell. */
async function workerThreads(pid: number): Promise<string[] | string> {
  try {
    const ps = new Deno.Command("ps", {
      args: ["-T", "-o", "comm=", "-p", String(pid)],
      stdout: "piped",
      stderr: "null",
    });
    const out = await ps.output();
    // `ps -p` fails when the process is gone: it has then no Worker left either.
    return out.success || out.stdout.length === 0
      ? workerThreadNames(decoder.decode(out.stdout))
      : "ps failed";
  } catch (error) {
    return `ps could not be run (${error instanceof Error ? error.message : String(error)})`;
  }
}

/**
 * Resolves once the new interpreter's Worker is the only one `pid` runs (the ended one's thread
 * takes a moment to exit), or with the reason why not within `ms`.
 */
export async function onlyWorker(pid: number, ms = END_MS): Promise<WorkersCheck> {
  const deadline = performance.now() + ms;
  while (true) {
    const threads = await workerThreads(pid);
    if (typeof threads === "string") {
      return { ok: false, reason: `the sandbox's threads could not be listed: ${threads}` };
    }
    if (threads.length <= 1) return { ok: true };
    if (performance.now() > deadline) {
      return {
        ok: false,
        reason: "a Worker of an earlier program is still running beside the new interpreter's " +
          `(${threads.join(", ")}): the process is not used again`,
      };
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
