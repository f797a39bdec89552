/**
 * Reads the child's stdin as the host frames it: JSON lines, and raw byte blocks of a length
 * announced by the preceding line (the memory snapshot). Lines can be read asynchronously or with a
 * blocking read: the blocking read lets a synchronous tool call wait for its answer without
 * suspending the WebAssembly stack (about 0.25 ms saved per call). The caller must never block
 * while an asynchronous read is in flight (`reading`), or the two would race for the same bytes.
 * It uses only built-ins captured before any user code ran (`primordials.ts`).
 */
import {
  byteLength,
  Bytes,
  decode,
  indexOf,
  min,
  setBytes,
  slice,
  subarray,
  TextDecoderCtor,
} from "./primordials.ts";

const CHUNK = 64 * 1024;

/** A byte source with both reads (Deno.stdin). */
export interface SyncAsyncReader {
  read(p: Uint8Array): Promise<number | null>;
  readSync(p: Uint8Array): number | null;
}

/** Reads lines and exact byte counts from one file descriptor. */
export class ByteReader {
  #source: SyncAsyncReader;
  #buffer: Uint8Array = new Bytes(0);
  #decoder = new TextDecoderCtor();
  #reading = false;
  #scratch = new Bytes(CHUNK);

  constructor(source: SyncAsyncReader) {
    this.#source = source;
  }

  /** True while an asynchronous read is waiting for bytes. */
  get reading(): boolean {
    return this.#reading;
  }

  /** Bytes read from the stream and not yet taken. */
  get buffered(): number {
    return byteLength(this.#buffer);
  }

  /** Reads until a newline; `null` at end of stream. */
  async readLine(): Promise<string | null> {
    while (true) {
      const line = this.#takeLine();
      if (line !== null) return line;
      if (!(await this.#fill())) return null;
    }
  }

  /** Blocks until a newline; `null` at end of stream. Never call while `reading`. */
  readLineSync(): string | null {
    while (true) {
      const line = this.#takeLine();
      if (line !== null) return line;
      const n = this.#source.readSync(this.#scratch);
      if (n === null || n === 0) return null;
      this.#append(slice(this.#scratch, 0, n)); // a copy: the scratch buffer is reused
    }
  }

  /**
   * Blocks until a fresh, aligned buffer of `length` bytes is filled: the stretches `runs`
   * (`[offset, length]`, in order) from the stream, the rest zero; `null` at end of stream. Used
   * for the snapshot, before anything else runs: blocking reads straight into the result cost
   * about half the CPU of asynchronous reads of the same 30 MB. Never call while `reading`.
   */
  readRunsSync(length: number, runs: Array<[number, number]>): Uint8Array<ArrayBuffer> | null {
    const out = new Bytes(length);
    for (const [offset, size] of runs) {
      if (!this.#readIntoSync(subarray(out, offset, offset + size))) return null;
    }
    return out;
  }

  /** Fills `target` exactly (what is buffered first); false at end of stream. */
  #readIntoSync(target: Uint8Array): boolean {
    const length = byteLength(target);
    let filled = min(length, byteLength(this.#buffer));
    setBytes(target, subarray(this.#buffer, 0, filled));
    this.#buffer = subarray(this.#buffer, filled);
    while (filled < length) {
      const n = this.#source.readSync(subarray(target, filled));
      if (n === null || n === 0) return false;
      filled += n;
    }
    return true;
  }

  #takeLine(): string | null {
    const at = indexOf(this.#buffer, 10);
    if (at < 0) return null;
    const line = decode(this.#decoder, subarray(this.#buffer, 0, at));
    this.#buffer = subarray(this.#buffer, at + 1);
    return line;
  }

  async #fill(): Promise<boolean> {
    const chunk = new Bytes(CHUNK);
    this.#reading = true;
    let n: number | null;
    try {
      n = await this.#source.read(chunk);
    } finally {
      this.#reading = false;
    }
    if (n === null || n === 0) return false;
    this.#append(subarray(chunk, 0, n));
    return true;
  }

  #append(bytes: Uint8Array): void {
    const held = byteLength(this.#buffer);
    if (held === 0) {
      this.#buffer = bytes;
      return;
    }
    const joined = new Bytes(held + byteLength(bytes));
    setBytes(joined, this.#buffer);
    setBytes(joined, bytes, held);
    this.#buffer = joined;
  }
}
