/**
 * The host's memory watch over every sandbox child: while executions run, one `ps` reads the
 * resident memory of all children (Deno reads /proc only with --allow-all), and a pure verdict
 * picks the runs to stop: any child past `rss_limit_mb`, and, while all children together pass
 * `total_rss_mb`, the largest running one.
 */
import type { ErrorCode } from "../contracts.ts";

/** A live child as the watch sees it; `stop` is absent for children that run nothing. */
export interface WatchedChild {
  pid: number;
  stop?: (code: ErrorCode, message: string) => void;
}

/** One measurement. */
export interface MemorySample {
  pid: number;
  rssMb: number;
  running: boolean;
}

/** The two limits, in MB. */
export interface MemoryLimits {
  perChildMb: number;
  totalMb: number;
}

/** A child to stop and why. */
export interface MemoryVerdict {
  pid: number;
  reason: "child" | "total";
  /** The children's total when it was chosen (for "total"). */
  totalMb: number;
}

/** Options for {@link MemoryWatch}. */
export interface MemoryWatchOptions {
  limits: MemoryLimits;
  /** The live children right now. */
  children: () => WatchedChild[];
  /** Builds the message of a stop. */
  message: (verdict: MemoryVerdict, sample: MemorySample) => string;
  /** Reads resident memory in MB by pid (default: one `ps`). */
  read?: (pids: number[]) => Promise<Map<number, number>>;
}

// Not at all for short runs, then often enough to stop a bomb within a second.
const FIRST_POLL_MS = 400;
const POLL_MS = 250;

/** Which running children to stop: each one past its own cap, then the largest until under budget. */
export function memoryVerdicts(samples: MemorySample[], limits: MemoryLimits): MemoryVerdict[] {
  const verdicts: MemoryVerdict[] = [];
  let total = samples.reduce((sum, s) => sum + s.rssMb, 0);
  const left: MemorySample[] = [];
  for (const sample of samples) {
    if (sample.running && sample.rssMb > limits.perChildMb) {
      verdicts.push({ pid: sample.pid, reason: "child", totalMb: total });
      total -= sample.rssMb;
    } else if (sample.running) {
      left.push(sample);
    }
  }
  left.sort((a, b) => b.rssMb - a.rssMb);
  for (const sample of left) {
    if (total <= limits.totalMb) break;
    verdicts.push({ pid: sample.pid, reason: "total", totalMb: total });
    total -= sample.rssMb;
  }
  return verdicts;
}

/** Polls the children's memory while any of them runs something. */
export class MemoryWatch {
  #options: MemoryWatchOptions;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  constructor(options: MemoryWatchOptions) {
    this.#options = options;
  }

  /** A run started: makes sure the watch is polling. */
  poke(): void {
    if (this.#timer === undefined && !this.#closed) this.#schedule(FIRST_POLL_MS);
  }

  /** Stops polling for good. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
  }

  #schedule(delay: number): void {
    this.#timer = setTimeout(() => this.#tick(), delay);
  }

  async #tick(): Promise<void> {
    const children = this.#options.children();
    if (this.#closed || !children.some((c) => c.stop)) {
      this.#timer = undefined; // idle until the next run
      return;
    }
    const read = this.#options.read ?? readRssMb;
    const rss = await read(children.map((c) => c.pid));
    const samples = children.filter((c) => rss.has(c.pid)).map((c) => ({
      pid: c.pid,
      rssMb: rss.get(c.pid)!,
      running: c.stop !== undefined,
    }));
    for (const verdict of memoryVerdicts(samples, this.#options.limits)) {
      const child = children.find((c) => c.pid === verdict.pid)!;
      const sample = samples.find((s) => s.pid === verdict.pid)!;
      child.stop?.("MEMORY_LIMIT", this.#options.message(verdict, sample));
    }
    if (!this.#closed) this.#schedule(POLL_MS);
  }
}

/** Resident memory in MB of each pid still alive, from one `ps`; empty when unknown. */
export async function readRssMb(pids: number[]): Promise<Map<number, number>> {
  const found = new Map<number, number>();
  if (pids.length === 0) return found;
  try {
    const out = await new Deno.Command("ps", {
      args: ["-o", "pid=,rss=", "-p", pids.join(",")],
      stdout: "piped",
      stderr: "null",
    }).output();
    for (const line of new TextDecoder().decode(out.stdout).split("\n")) {
      const [pid, kib] = line.trim().split(/\s+/).map(Number);
      if (pid > 0 && Number.isFinite(kib)) found.set(pid, kib / 1024);
    }
  } catch {
    // no ps: nothing measured this time
  }
  return found;
}
