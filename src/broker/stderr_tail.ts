/**
 * The last lines an upstream wrote to stderr, kept within a bound (lines and characters), colour
 * codes removed: when a server fails to start or dies, its own words say why. The last line that
 * reports a missing Deno permission is kept even when a stack trace pushes it out of the tail.
 */
import { isPermissionError } from "./permission_advice.ts";

// deno-lint-ignore no-control-regex
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

/** A bounded tail of a text stream, split into lines. */
export class StderrTail {
  readonly maxLines: number;
  readonly maxLineChars: number;
  #lines: string[] = [];
  /** The last permission error, kept apart from the tail. */
  #permission = "";
  #partial = "";
  #decoder = new TextDecoder();

  constructor(maxLines = 5, maxLineChars = 300) {
    this.maxLines = maxLines;
    this.maxLineChars = maxLineChars;
  }

  /** Adds a chunk of the stream; returns the lines it completed (for logging). */
  push(chunk: Uint8Array | string): string[] {
    const text = typeof chunk === "string" ? chunk : this.#decoder.decode(chunk, { stream: true });
    const pieces = (this.#partial + text).split(/\r?\n/);
    this.#partial = pieces.pop()!.slice(-this.maxLineChars * 4);
    const lines = pieces.map(clean).filter((line) => line !== "");
    for (const line of lines) this.#keep(line);
    return lines;
  }

  /** The kept lines, the unfinished last one included. */
  lines(): string[] {
    const partial = clean(this.#partial);
    return partial ? [...this.#lines, this.#cut(partial)].slice(-this.maxLines) : [...this.#lines];
  }

  /** The kept lines joined for a message (`""` when there are none). */
  text(): string {
    const lines = this.lines();
    const kept = this.#permission && !lines.includes(this.#permission);
    return (kept ? [this.#permission, "…", ...lines] : lines).join(" | ");
  }

  #keep(line: string): void {
    if (isPermissionError(line)) this.#permission = this.#cut(line);
    this.#lines.push(this.#cut(line));
    if (this.#lines.length > this.maxLines) this.#lines.shift();
  }

  #cut(line: string): string {
    return line.length > this.maxLineChars ? `${line.slice(0, this.maxLineChars)}…` : line;
  }
}

function clean(line: string): string {
  return line.replace(ANSI, "").trim();
}
