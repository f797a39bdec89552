/**
 * Reads the child's stdin as the host frames it: JSON lines, and raw byte blocks of a length
 * announced by the preceding line (the memory snapshot).
 */

/** Reads lines and exact byte counts from one stream. */
export class ByteReader {
  #reader: ReadableStreamDefaultReader<Uint8Array>;
  #buffer: Uint8Array = new Uint8Array(0);
  #decoder = new TextDecoder();

  constructor(stream: ReadableStream<Uint8Array>) {
    this.#reader = stream.getReader();
  }

  /** Reads until a newline; `null` at end of stream. */
  async readLine(): Promise<string | null> {
    while (true) {
      const at = this.#buffer.indexOf(10);
      if (at >= 0) {
        const line = this.#decoder.decode(this.#buffer.subarray(0, at));
        this.#buffer = this.#buffer.subarray(at + 1);
        return line;
      }
      if (!(await this.#fill())) return null;
    }
  }

  /** Reads exactly `length` bytes into a fresh, aligned buffer; `null` at end of stream. */
  async readBytes(length: number): Promise<Uint8Array | null> {
    const out = new Uint8Array(length);
    let filled = 0;
    while (filled < length) {
      if (this.#buffer.length === 0 && !(await this.#fill())) return null;
      const take = Math.min(length - filled, this.#buffer.length);
      out.set(this.#buffer.subarray(0, take), filled);
      this.#buffer = this.#buffer.subarray(take);
      filled += take;
    }
    return out;
  }

  async #fill(): Promise<boolean> {
    const { value, done } = await this.#reader.read();
    if (done) return false;
    if (this.#buffer.length === 0) {
      this.#buffer = value;
    } else {
      const joined = new Uint8Array(this.#buffer.length + value.length);
      joined.set(this.#buffer);
      joined.set(value, this.#buffer.length);
      this.#buffer = joined;
    }
    return true;
  }
}
