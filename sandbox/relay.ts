/**
 * The child's end of the relay: frames messages as `<nonce> <json>` lines on stdout, sends
 * Python's tool calls and hands their answers back. A call waits for its answer with a blocking read
 * of stdin when no other call is in flight (no stack switching), and through a promise that `pump`
 * resolves otherwise. Every built-in used here was captured before any user code ran
 * (`primordials.ts`), and the nonce only ever meets a captured original.
 */
import type { ChildMessage, HostMessage } from "../src/relay/protocol.ts";
import type { ByteReader } from "./byte_reader.ts";
import {
  byteLength,
  encode,
  parseJson,
  PromiseCtor,
  push,
  stringify,
  subarray,
} from "./primordials.ts";

/** Writes bytes fully (a write may take only part of them). */
export type WriteAll = (bytes: Uint8Array) => void;

/** Called when the host is gone (stdin closed): the child can only exit. */
export type OnHostGone = (what: string) => never;

/** Host messages that are not answers (pause and resume of the deadline's clock). */
export type OnControl = (message: HostMessage) => void;

/** Writes all of `bytes` with `write`, which may take only a part each time. */
export function writeFully(bytes: Uint8Array, write: (bytes: Uint8Array) => number): void {
  const length = byteLength(bytes);
  let offset = 0;
  while (offset < length) offset += write(subarray(bytes, offset));
}

/** Sends framed messages and tool calls; resolves tool answers. */
export class Relay {
  #nonce: string;
  #reader: ByteReader;
  #writeAll: WriteAll;
  #onHostGone: OnHostGone;
  #onControl: OnControl = () => {};
  /** Answers awaited by asynchronous calls, by call id (no prototype: nothing to patch). */
  #pending: Record<number, (reply: string) => void> = Object.create(null);
  #inFlight = 0;
  #nextCallId = 0;
  #pumping = false;
  /** Resolved when the pump stops: no answer is awaited any more. */
  #drainers: Array<() => void> = [];

  constructor(nonce: string, reader: ByteReader, writeAll: WriteAll, onHostGone: OnHostGone) {
    this.#nonce = nonce;
    this.#reader = reader;
    this.#writeAll = writeAll;
    this.#onHostGone = onHostGone;
  }

  /** True when no tool answer is awaited (stdin then carries only the host's next message). */
  get idle(): boolean {
    return !this.#pumping && this.#inFlight === 0;
  }

  /** Resolves once no tool answer is awaited (at once when none is). */
  drained(): Promise<void> {
    if (this.idle) return PromiseCtor.resolve();
    return new PromiseCtor<void>((resolve) => push(this.#drainers, resolve));
  }

  /** Receives the host's messages that are not tool answers from now on. */
  onControl(handler: OnControl): void {
    this.#onControl = handler;
  }

  /** Sends one framed message. */
  send(message: ChildMessage): void {
    this.#writeAll(encode(this.#nonce + " " + stringify(message) + "\n"));
  }

  /** Sends a tool call; the answer (the host's `tool_result` line) comes back through `pump`. */
  callAsync(server: string, tool: string, argsJson: string): Promise<string> {
    const callId = this.#nextCallId++;
    const reply = new PromiseCtor<string>((resolve) => (this.#pending[callId] = resolve));
    this.#inFlight++;
    this.#sendToolCall(callId, server, tool, argsJson);
    void this.#pump();
    return reply;
  }

  /**
   * Sends a tool call and blocks on stdin for its answer. Returns undefined when asynchronous
   * calls are in flight: then the caller takes the promise path instead.
   */
  callSync(server: string, tool: string, argsJson: string): string | undefined {
    if (this.#pumping || this.#reader.reading || this.#inFlight > 0) return undefined;
    const callId = this.#nextCallId++;
    this.#sendToolCall(callId, server, tool, argsJson);
    while (true) {
      const line = this.#reader.readLineSync();
      if (line === null) this.#onHostGone("stdin closed while waiting for a tool answer");
      const reply = this.#toolReply(line);
      if (reply?.callId === callId) return reply.text;
    }
  }

  /** Frames a tool call around the arguments' JSON as Python produced it (no parse, no objects). */
  #sendToolCall(callId: number, server: string, tool: string, argsJson: string): void {
    const head = `{"type":"tool_call","call_id":${callId},"server":${stringify(server)},` +
      `"tool":${stringify(tool)},"args":`;
    this.#writeAll(encode(`${this.#nonce} ${head}${argsJson}}\n`));
  }

  /** Reads answers while asynchronous calls wait for them, and only then. */
  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (this.#inFlight > 0) {
        const line = await this.#reader.readLine();
        if (line === null) this.#onHostGone("stdin closed while waiting for tool answers");
        const reply = this.#toolReply(line);
        const resolve = reply ? this.#pending[reply.callId] : undefined;
        if (!reply || !resolve) continue;
        delete this.#pending[reply.callId];
        this.#inFlight--;
        resolve(reply.text);
      }
    } finally {
      this.#pumping = false;
      for (const resolve of this.#drainers.splice(0)) resolve();
    }
  }

  /**
   * The answer in a host line, as the JSON text Python reads (`{"ok": …, "value"|"error": …}`):
   * the host's own line already is that object, so it is handed on as it came. Other messages go
   * to the control handler.
   */
  #toolReply(line: string): { callId: number; text: string } | null {
    const message = parseJson(line) as HostMessage;
    if (message.type === "tool_result") return { callId: message.call_id, text: line };
    this.#onControl(message);
    return null;
  }
}
