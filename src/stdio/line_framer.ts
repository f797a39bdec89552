/**
 * Newline-delimited JSON-RPC framing with a cap per message, for the stdio transports on both
 * sides (our server's stdin, an upstream's stdout). It plays the role of the SDK's `ReadBuffer`
 * and parses with the SDK's `deserializeMessage`, but a line past the cap does not end the stream:
 * its bytes are dropped as they arrive (never held), and once its newline comes it is reported as
 * `oversized` with its size and, when its first or last bytes show it, its JSON-RPC id — so the
 * transport can answer that one message with an error and keep going.
 */
import { deserializeMessage, type JSONRPCMessage, type RequestId } from "../mcp_sdk.ts";

/** What one complete line turned out to be. */
export type Frame =
  | { kind: "message"; message: JSONRPCMessage }
  | { kind: "invalid"; error: Error }
  | { kind: "oversized"; bytes: number; id: RequestId | undefined };

/** Bytes kept from each end of an oversized line to find its id. */
const EDGE_BYTES = 256;
const NEWLINE = 10;

const ID = String.raw`(-?\d+|"(?:[^"\\]|\\.)*")`;
/** `{"jsonrpc":"2.0","id":7,…` (the order most SDKs write). */
const ID_AT_START = new RegExp(
  String.raw`^\s*\{\s*(?:"jsonrpc"\s*:\s*"2\.0"\s*,\s*)?"id"\s*:\s*${ID}`,
);
/** `…,"jsonrpc":"2.0","id":7}` (the TypeScript SDK's order). */
const ID_AT_END = new RegExp(
  String.raw`[,{]\s*"id"\s*:\s*${ID}\s*(?:,\s*"jsonrpc"\s*:\s*"2\.0"\s*)?\}\s*$`,
);

/** Splits a byte stream into JSON-RPC messages, each at most `maxLineBytes` long. */
export class LineFramer {
  readonly maxLineBytes: number;
  #parts: Uint8Array[] = [];
  #length = 0;
  #oversized = false;
  #head: Uint8Array = new Uint8Array(0);
  #tail: Uint8Array = new Uint8Array(0);

  constructor(maxLineBytes: number) {
    this.maxLineBytes = maxLineBytes;
  }

  /** Takes the next chunk of the stream; returns the lines it completed. */
  push(chunk: Uint8Array): Frame[] {
    const frames: Frame[] = [];
    let start = 0;
    while (start < chunk.length) {
      const newline = chunk.indexOf(NEWLINE, start);
      this.#take(chunk.subarray(start, newline === -1 ? chunk.length : newline));
      if (newline === -1) break;
      const frame = this.#endLine();
      if (frame) frames.push(frame);
      start = newline + 1;
    }
    return frames;
  }

  /** Forgets a partly received line. */
  clear(): void {
    this.#parts = [];
    this.#length = 0;
    this.#oversized = false;
    this.#head = this.#tail = new Uint8Array(0);
  }

  #take(segment: Uint8Array): void {
    if (segment.length === 0) return;
    if (!this.#oversized && this.#length + segment.length > this.maxLineBytes) {
      this.#head = edge([...this.#parts, segment], "start");
      this.#parts = [];
      this.#oversized = true;
    }
    this.#length += segment.length;
    if (this.#oversized) this.#tail = edge([this.#tail, segment], "end");
    else this.#parts.push(segment.slice());
  }

  #endLine(): Frame | null {
    const { length, parts, oversized, head, tail } = {
      length: this.#length,
      parts: this.#parts,
      oversized: this.#oversized,
      head: this.#head,
      tail: this.#tail,
    };
    this.clear();
    if (oversized) return { kind: "oversized", bytes: length, id: findId(head, tail) };
    const line = new TextDecoder().decode(concat(parts, length)).replace(/\r$/, "");
    if (line.trim() === "") return null;
    try {
      return { kind: "message", message: deserializeMessage(line) };
    } catch (error) {
      return { kind: "invalid", error: error instanceof Error ? error : new Error(String(error)) };
    }
  }
}

/** The JSON-RPC id shown by the first or last bytes of a line, if they show one. */
export function findId(head: Uint8Array, tail: Uint8Array): RequestId | undefined {
  const decoder = new TextDecoder();
  const match = ID_AT_START.exec(decoder.decode(head)) ??
    ID_AT_END.exec(decoder.decode(tail).replace(/\r$/, ""));
  if (!match) return undefined;
  try {
    return JSON.parse(match[1]) as RequestId;
  } catch {
    return undefined;
  }
}

function edge(parts: Uint8Array[], side: "start" | "end"): Uint8Array {
  const whole = concat(parts, parts.reduce((n, p) => n + p.length, 0));
  return side === "start"
    ? whole.slice(0, EDGE_BYTES)
    : whole.slice(Math.max(0, whole.length - EDGE_BYTES));
}

function concat(parts: Uint8Array[], length: number): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
