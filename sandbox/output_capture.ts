/**
 * Captures what Python writes to stdout and stderr inside the child, so nothing reaches the real
 * stdout (which carries the relay). Both streams share one byte budget; past it the text is cut
 * with a visible marker, and past the hard limit the run is stopped (OUTPUT_LIMIT). It uses only
 * built-ins captured before any user code ran (`primordials.ts`).
 */
import type { ChildLimits } from "../src/relay/protocol.ts";
import { byteLength, decode, push, slice, TextDecoderCtor } from "./primordials.ts";

/** Which stream a write came from. */
export type StreamName = "stdout" | "stderr";

/** Accumulates both streams under the limits. */
export class OutputCapture {
  #limits: ChildLimits;
  #onHardLimit: () => void;
  #chunks: Record<StreamName, Uint8Array[]> = { stdout: [], stderr: [] };
  #kept = 0;
  #seen = 0;
  #cut: Record<StreamName, boolean> = { stdout: false, stderr: false };

  constructor(limits: ChildLimits, onHardLimit: () => void) {
    this.#limits = limits;
    this.#onHardLimit = onHardLimit;
  }

  /** Takes one write; returns the number of bytes consumed (all of them). */
  write(stream: StreamName, bytes: Uint8Array): number {
    const length = byteLength(bytes);
    this.#seen += length;
    const room = this.#limits.output_bytes - this.#kept;
    if (room > 0) {
      const kept = length <= room ? slice(bytes) : slice(bytes, 0, room);
      push(this.#chunks[stream], kept);
      this.#kept += byteLength(kept);
    }
    if (length > room) this.#cut[stream] = true;
    if (this.#seen > this.#limits.output_hard_bytes) this.#onHardLimit();
    return length;
  }

  /** True when some output was cut. */
  get truncated(): boolean {
    return this.#cut.stdout || this.#cut.stderr;
  }

  /** The text of one stream, with a marker where it was cut. */
  text(stream: StreamName): string {
    const decoder = new TextDecoderCtor();
    const chunks = this.#chunks[stream];
    let text = "";
    for (let i = 0; i < chunks.length; i++) text += decode(decoder, chunks[i], { stream: true });
    text += decode(decoder);
    if (this.#cut[stream]) {
      text +=
        `\n… [output truncated: ${this.#seen} bytes written, ${this.#limits.output_bytes} kept]`;
    }
    return text;
  }
}
