/**
 * Unit tests of `sandbox/byte_reader.ts`: lines and exact byte counts from a scripted source that
 * hands out its bytes in the chunks given (as a pipe may).
 */
import assert from "node:assert/strict";
import { ByteReader, type SyncAsyncReader } from "../../sandbox/byte_reader.ts";

const encoder = new TextEncoder();

/** A source that answers each read with the next chunk (or as much of it as fits). */
function source(...chunks: (string | Uint8Array)[]): SyncAsyncReader & { reads: number } {
  const queue = chunks.map((c) => typeof c === "string" ? encoder.encode(c) : c);
  const readSync = (p: Uint8Array): number | null => {
    state.reads++;
    const next = queue.shift();
    if (next === undefined) return null;
    const n = Math.min(p.length, next.length);
    p.set(next.subarray(0, n));
    if (n < next.length) queue.unshift(next.subarray(n));
    return n;
  };
  const state = { reads: 0, readSync, read: (p: Uint8Array) => Promise.resolve(readSync(p)) };
  return state;
}

Deno.test("lines split across chunks, several in one chunk, and a split character", async () => {
  const euro = encoder.encode("€"); // three bytes
  const reader = new ByteReader(
    source("fir", "st\nsecond\nth", euro.subarray(0, 1), euro.subarray(1), "ird\n"),
  );
  assert.equal(await reader.readLine(), "first");
  assert.equal(await reader.readLine(), "second");
  assert.equal(await reader.readLine(), "th€ird");
  assert.equal(await reader.readLine(), null);
});

Deno.test("an empty line is a line; a last line without a newline is not", async () => {
  const reader = new ByteReader(source("\n\nend"));
  assert.equal(await reader.readLine(), "");
  assert.equal(await reader.readLine(), "");
  assert.equal(await reader.readLine(), null);
});

Deno.test("readRunsSync takes what is buffered, then reads the rest into one fresh buffer", async () => {
  const payload = Uint8Array.from({ length: 300_000 }, (_, i) => i % 251);
  const reader = new ByteReader(
    source(
      '{"type":"init"}\n',
      payload.subarray(0, 10),
      payload.subarray(10, 200_000),
      payload.subarray(200_000),
      "after\n",
    ),
  );
  assert.equal(await reader.readLine(), '{"type":"init"}');
  const bytes = reader.readRunsSync(payload.length, [[0, payload.length]]);
  assert.ok(bytes !== null);
  assert.equal(bytes.byteOffset, 0);
  assert.equal(bytes.buffer.byteLength, payload.length, "no larger buffer behind it");
  assert.deepEqual(bytes, payload);
  assert.equal(await reader.readLine(), "after");
});

Deno.test("readRunsSync with the bytes already buffered, and past the end", async () => {
  const reader = new ByteReader(source("head\nabcdefline\n"));
  assert.equal(await reader.readLine(), "head");
  assert.deepEqual(reader.readRunsSync(6, [[0, 6]]), encoder.encode("abcdef"));
  assert.equal(await reader.readLine(), "line");
  assert.equal(reader.readRunsSync(1, [[0, 1]]), null);
});

Deno.test("readRunsSync of stretches: each in place, the rest zero, in a buffer of its own", async () => {
  const reader = new ByteReader(source("head\n", "abcXYZ", "tail\n"));
  assert.equal(await reader.readLine(), "head");
  const bytes = reader.readRunsSync(10, [[1, 3], [7, 3]]);
  // Never a shared buffer: in worker isolation no Worker may reach the snapshot's.
  assert.ok(bytes?.buffer instanceof ArrayBuffer);
  assert.deepEqual([...bytes], [0, 97, 98, 99, 0, 0, 0, 88, 89, 90]);
  assert.equal(await reader.readLine(), "tail");
  assert.equal(reader.buffered, 0);
});

Deno.test("readLineSync reads with blocking reads and shares the buffer with readLine", async () => {
  const src = source("one\ntw", "o\nthree\n");
  const reader = new ByteReader(src);
  assert.equal(await reader.readLine(), "one");
  assert.equal(reader.readLineSync(), "two");
  assert.equal(reader.readLineSync(), "three");
  assert.equal(reader.readLineSync(), null);
  assert.equal(src.reads, 3);
});

Deno.test("reading is true exactly while an asynchronous read waits", async () => {
  let answer!: (n: number | null) => void;
  let target!: Uint8Array;
  const reader = new ByteReader({
    read: (p) => {
      target = p;
      return new Promise((resolve) => (answer = resolve));
    },
    readSync: () => null,
  });
  assert.equal(reader.reading, false);
  const line = reader.readLine();
  assert.equal(reader.reading, true);
  const bytes = encoder.encode("late\n");
  target.set(bytes);
  answer(bytes.length);
  assert.equal(await line, "late");
  assert.equal(reader.reading, false);
});

Deno.test("readRunsSync fills only the stretches given and leaves the rest zero", () => {
  const reader = new ByteReader(source("head\nab", "cXYZ"));
  assert.equal(reader.readLineSync(), "head");
  const bytes = reader.readRunsSync(10, [[1, 3], [6, 3]]);
  assert.deepEqual(bytes, new Uint8Array([0, 97, 98, 99, 0, 0, 88, 89, 90, 0]));
  assert.equal(reader.readRunsSync(4, [[0, 1]]), null);
});
