/**
 * Our MCP server's stdio transport: the SDK's `StdioServerTransport` contract (JSON-RPC lines on
 * stdin/stdout, serialised by the SDK), with a message cap that does not wedge the server. The
 * SDK's transport stops reading for good when a line passes its 10 MB buffer; this one drops that
 * line as it streams in, answers it with a JSON-RPC `InvalidRequest` error (with the request's id
 * when the line shows it) and keeps serving. If even that answer cannot be written (stdout is
 * gone), `onfatal` is called so the host can shut down instead of hanging.
 */
import process from "node:process";
import type { Readable, Writable } from "node:stream";
import {
  type ClientTransport as Transport,
  type JSONRPCMessage,
  McpErrorCode,
  serializeMessage,
  STDIO_DEFAULT_MAX_BUFFER_SIZE,
} from "../mcp_sdk.ts";
import { log } from "../log.ts";
import { type Frame, LineFramer } from "../stdio/line_framer.ts";

/** Options of {@link BoundedStdioServerTransport}. */
export interface StdioTransportOptions {
  stdin?: Readable;
  stdout?: Writable;
  /** Largest message accepted (default: the SDK's stdio buffer size, 10 MiB). */
  maxMessageBytes?: number;
  /** Called once when the transport cannot go on (stdout broken); the host should exit. */
  onfatal?: (reason: string) => void;
}

/** A stdio server transport that answers oversized messages instead of giving up. */
export class BoundedStdioServerTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  readonly #stdin: Readable;
  readonly #stdout: Writable;
  readonly #framer: LineFramer;
  readonly #onfatal: (reason: string) => void;
  #fatal = false;

  constructor(options: StdioTransportOptions = {}) {
    this.#stdin = options.stdin ?? process.stdin;
    this.#stdout = options.stdout ?? process.stdout;
    this.#framer = new LineFramer(options.maxMessageBytes ?? STDIO_DEFAULT_MAX_BUFFER_SIZE);
    this.#onfatal = options.onfatal ?? (() => {});
  }

  /** Starts reading stdin. */
  start(): Promise<void> {
    this.#stdin.on("data", this.#ondata);
    this.#stdin.on("error", this.#onStreamError);
    this.#stdout.on("error", this.#onStreamError);
    return Promise.resolve();
  }

  /** Writes one message to stdout; rejects when it cannot be written. */
  send(message: JSONRPCMessage): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#stdout.write(serializeMessage(message), (error) => error ? reject(error) : resolve());
    });
  }

  /** Stops reading stdin. */
  close(): Promise<void> {
    this.#stdin.off("data", this.#ondata);
    this.#stdin.off("error", this.#onStreamError);
    this.#stdout.off("error", this.#onStreamError);
    this.#framer.clear();
    this.onclose?.();
    return Promise.resolve();
  }

  #ondata = (chunk: Uint8Array): void => {
    for (const frame of this.#framer.push(chunk)) this.#handle(frame);
  };

  #handle(frame: Frame): void {
    if (frame.kind === "message") return this.onmessage?.(frame.message);
    if (frame.kind === "invalid") return this.onerror?.(frame.error);
    const limit = this.#framer.maxLineBytes;
    const message = `The message of ${frame.bytes} bytes is larger than the ${limit} bytes this ` +
      "server accepts over stdio and was dropped; send less in one message (for example " +
      "shorter code, or data through a tool instead of the arguments).";
    log("warn", message);
    this.onerror?.(new Error(message));
    const reply: JSONRPCMessage = {
      jsonrpc: "2.0",
      ...(frame.id === undefined ? {} : { id: frame.id }),
      error: { code: McpErrorCode.InvalidRequest, message },
    };
    this.send(reply).catch((error) =>
      this.#die(`the answer to an oversized message could not be written (${error})`)
    );
  }

  #onStreamError = (error: Error): void => {
    this.onerror?.(error);
    if ((error as { code?: string }).code === "EPIPE") this.#die(`stdout is closed (${error})`);
  };

  #die(reason: string): void {
    if (this.#fatal) return;
    this.#fatal = true;
    this.#onfatal(reason);
  }
}
