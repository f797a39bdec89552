/** Unit tests of `src/sandbox_host/snapshot_runs.ts`: which stretches of a snapshot travel. */
import assert from "node:assert/strict";
import { nonZeroRuns, PAGE } from "../../src/sandbox_host/snapshot_runs.ts";

Deno.test("zero pages are left out, adjacent non-zero pages merge into one stretch", () => {
  const bytes = new Uint8Array(PAGE * 6 + 100);
  bytes[10] = 1; // page 0
  bytes[PAGE + 5] = 2; // page 1: merges with page 0
  bytes[PAGE * 3 + PAGE - 1] = 3; // page 3, last byte
  bytes[PAGE * 6 + 99] = 4; // the short tail
  assert.deepEqual(nonZeroRuns(bytes), [[0, PAGE * 2], [PAGE * 3, PAGE], [PAGE * 6, 100]]);
});

Deno.test("all zeros is no stretch; an unaligned view is scanned byte by byte", () => {
  assert.deepEqual(nonZeroRuns(new Uint8Array(PAGE * 3)), []);
  const backing = new Uint8Array(PAGE * 2 + 1);
  backing[PAGE + 1] = 9;
  const view = backing.subarray(1); // not 8-byte aligned
  assert.deepEqual(nonZeroRuns(view), [[PAGE, PAGE]]);
});

Deno.test("the stretches and the zeros between them rebuild the snapshot exactly", () => {
  const bytes = new Uint8Array(PAGE * 16);
  for (let i = 0; i < bytes.length; i += 997) bytes[i] = (i % 251) + 1;
  bytes.fill(0, PAGE * 4, PAGE * 9);
  const rebuilt = new Uint8Array(bytes.length);
  for (const [offset, length] of nonZeroRuns(bytes)) {
    rebuilt.set(bytes.subarray(offset, offset + length), offset);
  }
  assert.deepEqual(rebuilt, bytes);
  assert.ok(nonZeroRuns(bytes).every(([o]) => o < PAGE * 4 || o >= PAGE * 9));
});
