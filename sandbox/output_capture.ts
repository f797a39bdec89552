/**
 * Captures what Python writes to stdout and stderr inside the child, so nothing reaches the real
 * stdout (which carries the relay). Both streams share one byte budget; past it the text is cut
 * with a visible marker, and past the hard limit the run is stopped (OUTPUT_LIMIT).
 */
import type { ChildLimits } from "../src/relay/protocol.ts";

/** Which stream a write came from. */
export type StreamName = "stdout" | "stderr";

/** Accumulates both streams under the limits. */
export class OutputCapture {
  #limits: ChildLimits;
  #onHardLimit: () => void;
  #chunks: Record<StreamName, Uint8Array[]> = { stdout: [], stderr: [] };
  #kept = 0;
  #seen = 0;
  #cut = new Set<StreamName>();

  constructor(limits: ChildLimits, onHardLimit: () => void) {
    this.#limits = limits;
    this.#onHardLimit = onHardLimit;
  }

  /** Takes one write; returns the number of bytes consumed (all of them). */
  write(stream: StreamName, bytes: Uint8Array): number {
    this.#seen += bytes.length;
    const room = this.#limits.output_bytes - this.#kept;
    if (room > 0) {
      const kept = bytes.length <= room ? bytes.slice() : bytes.slice(0, room);
      this.#chunks[stream].push(kept);
      this.#kept += kept.length;
    }
    if (bytes.length > room) this.#cut.add(stream);
    if (this.#seen > this.#limits.output_hard_bytes) this.#onHardLimit();
    return bytes.length;
  }

  /** True when some output was cut. */
  get truncated(): boolean {
    return this.#cut.size > 0;
  }

  /** The text of one stream, with a marker where it was cut. */
  text(stream: StreamName): string {
    const decoder = new TextDecoder();
    let text = "";
    for (const chunk of this.#chunks[stream]) text += decoder.decode(chunk, { stream: true });
    text += decoder.decode();
    if (this.#cut.has(stream)) {
      text +=
        `\n… [output truncated: ${this.#seen} bytes written, ${this.#limits.output_bytes} kept]`;
    }
    return text;
  }
}
