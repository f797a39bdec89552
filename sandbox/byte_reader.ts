/**
 * Reads the child's stdin as the host frames it: JSON lines, and raw byte blocks of a length
 * announced by the preceding line (the memory snapshot). Lines can be read asynchronously or with a
 * blocking read: the blocking read lets a synchronous tool call wait for its answer without
 * suspending the WebAssembly stack (about 0.25 ms saved per call). The caller must never block
 * while an asynchronous read is in flight (`reading`), or the two would race for the same bytes.
 */

const CHUNK = 64 * 1024;

/** A byte source with both reads (Deno.stdin). */
export interface SyncAsyncReader {
  read(p: Uint8Array): Promise<number | null>;
  readSync(p: Uint8Array): number | null;
}

/** Reads lines and exact byte counts from one file descriptor. */
export class ByteReader {
  #source: SyncAsyncReader;
  #buffer: Uint8Array = new Uint8Array(0);
  #decoder = new TextDecoder();
  #reading = false;
  #scratch = new Uint8Array(CHUNK);

  constructor(source: SyncAsyncReader) {
    this.#source = source;
  }

  /** True while an asynchronous read is waiting for bytes. */
  get reading(): boolean {
    return this.#reading;
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
      this.#append(this.#scratch.slice(0, n)); // a copy: the scratch buffer is reused
    }
  }

  /** Reads exactly `length` bytes into a fresh, aligned buffer; `null` at end of stream. */
  async readBytes(length: number): Promise<Uint8Array | null> {
    const out = new Uint8Array(length);
    const take = Math.min(length, this.#buffer.length);
    out.set(this.#buffer.subarray(0, take));
    this.#buffer = this.#buffer.subarray(take);
    let filled = take;
    while (filled < length) {
      // Straight into the result: no intermediate buffers for the 30 MB snapshot.
      this.#reading = true;
      let n: number | null;
      try {
        n = await this.#source.read(out.subarray(filled));
      } finally {
        this.#reading = false;
      }
      if (n === null || n === 0) return null;
      filled += n;
    }
    return out;
  }

  #takeLine(): string | null {
    const at = this.#buffer.indexOf(10);
    if (at < 0) return null;
    const line = this.#decoder.decode(this.#buffer.subarray(0, at));
    this.#buffer = this.#buffer.subarray(at + 1);
    return line;
  }

  async #fill(): Promise<boolean> {
    const chunk = new Uint8Array(CHUNK);
    this.#reading = true;
    let n: number | null;
    try {
      n = await this.#source.read(chunk);
    } finally {
      this.#reading = false;
    }
    if (n === null || n === 0) return false;
    this.#append(chunk.subarray(0, n));
    return true;
  }

  #append(bytes: Uint8Array): void {
    if (this.#buffer.length === 0) {
      this.#buffer = bytes;
      return;
    }
    const joined = new Uint8Array(this.#buffer.length + bytes.length);
    joined.set(this.#buffer);
    joined.set(bytes, this.#buffer.length);
    this.#buffer = joined;
  }
}
