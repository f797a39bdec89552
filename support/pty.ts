/**
 * Test support: a command run at a pseudo-terminal (util-linux `script -qec CMD /dev/null`), as a
 * person at a terminal runs it. What it prints is collected (pty line endings made `\n`); a test
 * waits for a text to appear, then types (a line, or Ctrl-C as `\x03`), and waits for the exit.
 */
import { descendants } from "./processes.ts";

/** A command running at a pseudo-terminal. */
export interface PtyRun {
  /** Everything printed so far (stdout and stderr share the terminal). */
  output(): string;
  /** Resolves with the output once `pattern` matches it (after `from`); rejects after `ms`. */
  waitFor(pattern: RegExp, what: string, options?: { from?: number; ms?: number }): Promise<string>;
  /** Types `text` at the terminal (`"y\n"`, or `"\x03"` for Ctrl-C). */
  type(text: string): Promise<void>;
  /** The command's exit code (script -e passes it on). */
  exited: Promise<number>;
  /** Kills whatever still runs and releases the streams. */
  close(): Promise<void>;
}

/** One word quoted for `sh -c`. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/** Runs `args` (a command and its arguments) at a pseudo-terminal in `cwd`. */
export function startPty(
  args: string[],
  options: { cwd: string; env?: Record<string, string> },
): PtyRun {
  const child = new Deno.Command("script", {
    args: ["-qec", ["env", "-u", "INIT_CWD", ...args].map(shellQuote).join(" "), "/dev/null"],
    cwd: options.cwd,
    env: { TERM: "xterm-256color", ...options.env },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let text = "";
  const watchers = new Set<() => void>();
  const decoder = new TextDecoder();
  const pump = (async () => {
    for await (const chunk of child.stdout) {
      text += decoder.decode(chunk, { stream: true }).replaceAll("\r\n", "\n");
      for (const watcher of watchers) watcher();
    }
  })();
  const stderr = new Response(child.stderr).text();
  const writer = child.stdin.getWriter();
  let ended = false;
  const exited = child.status.then(async (status) => {
    await pump;
    ended = true;
    for (const watcher of watchers) watcher();
    return status.code;
  });
  const run: PtyRun = {
    output: () => text,
    waitFor: (pattern, what, { from = 0, ms = 60_000 } = {}) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (pattern.test(text.slice(from))) return finish(() => resolve(text));
          if (ended) finish(() => reject(new Error(`The command ended before ${what}:\n${text}`)));
        };
        const timer = setTimeout(
          () => finish(() => reject(new Error(`Waited ${ms} ms in vain for ${what}:\n${text}`))),
          ms,
        );
        const finish = (settle: () => void) => {
          clearTimeout(timer);
          watchers.delete(check);
          settle();
        };
        watchers.add(check);
        check();
      }),
    type: (input) => writer.write(new TextEncoder().encode(input)),
    exited,
    close: async () => {
      for (const pid of (await descendants(child.pid)).reverse()) {
        try {
          Deno.kill(pid, "SIGKILL");
        } catch { /* already gone */ }
      }
      try {
        child.kill("SIGKILL");
      } catch { /* already gone */ }
      await writer.close().catch(() => {});
      await exited;
      await stderr;
    },
  };
  return run;
}
