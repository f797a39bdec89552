/**
 * A sandbox child's stdout as lines: chunks in, complete lines out (decoded as UTF-8), and a
 * refusal as soon as a line passes the frame cap, finished or not (a child that never ends a line
 * cannot make the host buffer without bound).
 */
import { MAX_FRAME_BYTES } from "../relay/protocol.ts";

/** The lines a chunk completed, or why the stream is refused. */
export type LinesResult = { ok: true; lines: string[] } | { ok: false; reason: string };

/** Splits a byte stream into lines of at most `maxBytes` (newline excluded). */
export class FrameLines {
  #pending = new Uint8Array(0);
  #decoder = new TextDecoder();
  #maxBytes: number;

  constructor(maxBytes = MAX_FRAME_BYTES) {
    this.#maxBytes = maxBytes;
  }

  /** Takes the next chunk; returns the lines it completed, in order. */
  push(chunk: Uint8Array): LinesResult {
    let data = chunk;
    if (this.#pending.length) {
      data = new Uint8Array(this.#pending.length + chunk.length);
      data.set(this.#pending);
      data.set(chunk, this.#pending.length);
    }
    const lines: string[] = [];
    let start = 0;
    for (let at = data.indexOf(10); at >= 0; at = data.indexOf(10, start)) {
      if (at - start > this.#maxBytes) return { ok: false, reason: "a relay line exceeds the cap" };
      lines.push(this.#decoder.decode(data.subarray(start, at)));
      start = at + 1;
    }
    this.#pending = data.slice(start);
    if (this.#pending.length > this.#maxBytes) {
      return { ok: false, reason: `a relay line exceeds ${this.#maxBytes} bytes` };
    }
    return { ok: true, lines };
  }
}
