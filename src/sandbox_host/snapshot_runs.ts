/**
 * The stretches of a memory snapshot that are not all zeros. About half of Pyodide's 30 MB
 * snapshot is zero pages (the unused top of the heap); a child starts from a zeroed buffer, so
 * only the other stretches travel through its stdin (computed once per snapshot).
 */

/** One stretch: its offset and length in bytes. */
export type Run = [offset: number, length: number];

/** Granularity of the scan: a stretch starts and ends on a page boundary (or the end). */
export const PAGE = 4096;

const cache = new WeakMap<Uint8Array, Run[]>();

/** The non-zero stretches of `bytes` in order, adjacent pages merged (cached per buffer). */
export function nonZeroRuns(bytes: Uint8Array): Run[] {
  let runs = cache.get(bytes);
  if (!runs) {
    runs = scan(bytes);
    cache.set(bytes, runs);
  }
  return runs;
}

function scan(bytes: Uint8Array): Run[] {
  const runs: Run[] = [];
  for (let start = 0; start < bytes.length; start += PAGE) {
    const end = Math.min(start + PAGE, bytes.length);
    if (isZero(bytes, start, end)) continue;
    const last = runs.at(-1);
    if (last && last[0] + last[1] === start) last[1] += end - start;
    else runs.push([start, end - start]);
  }
  return runs;
}

function isZero(bytes: Uint8Array, start: number, end: number): boolean {
  // Eight bytes at a time where the buffer allows it.
  if ((bytes.byteOffset + start) % 8 === 0 && (end - start) % 8 === 0) {
    const words = new BigUint64Array(bytes.buffer, bytes.byteOffset + start, (end - start) / 8);
    for (let i = 0; i < words.length; i++) if (words[i] !== 0n) return false;
    return true;
  }
  for (let i = start; i < end; i++) if (bytes[i] !== 0) return false;
  return true;
}
