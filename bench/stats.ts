/**
 * Bench helpers: medians and p90 of samples, rounding, and progress lines on stderr.
 */

/** Median and p90 of a set of samples. */
export interface Stats {
  median: number;
  p90: number;
  n: number;
}

/** Summarises samples (milliseconds). */
export function stats(samples: number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { median: round(at(0.5)), p90: round(at(0.9)), n: sorted.length };
}

/** Rounds to two decimals. */
export function round(x: number): number {
  return Math.round(x * 100) / 100;
}

/** Prints a progress line on stderr. */
export function progress(message: string): void {
  Deno.stderr.writeSync(new TextEncoder().encode(`[bench] ${message}\n`));
}

/** Waits `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
