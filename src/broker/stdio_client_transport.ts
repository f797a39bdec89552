/**
 * The client transport to a stdio upstream (the v2 client SDK's `Transport` interface), assembled
 * from the SDK's parts: its default
 * environment (plus {@link INHERITED_ENV}: Deno's cache and how to reach npm), its message
 * serialisation and parsing, and the SDK client transport's spawn and close sequence (stdin end,
 * then SIGTERM, then SIGKILL). Two things differ from the SDK's `StdioClientTransport`:
 *
 * - A message past `maxMessageBytes` does not close the connection (the SDK's `ReadBuffer` would,
 *   failing every call in flight): it is dropped as it streams in, and the request it answers
 *   fails alone with {@link RESULT_TOO_LARGE_RPC_CODE}.
 * - The last lines of the server's stderr and how it exited are kept, to say why it failed.
 */
import { type ChildProcess, spawn } from "node:child_process";
import process from "node:process";
import {
  type ClientTransport as Transport,
  getDefaultEnvironment,
  type JSONRPCMessage,
  serializeMessage,
} from "../mcp_client_sdk.ts";
import { LineFramer } from "../stdio/line_framer.ts";
import { StderrTail } from "./stderr_tail.ts";

/** JSON-RPC error code (implementation-defined range) of a response dropped for its size. */
export const RESULT_TOO_LARGE_RPC_CODE = -32090;

/**
 * Variables a stdio upstream inherits besides the SDK's default environment: Deno's cache, and the
 * certificate and registry settings with which the host reaches npm (no credentials), so a server
 * run by `deno run npm:…` or `npx` uses the same cache and can fetch what it lacks.
 */
export const INHERITED_ENV = [
  "DENO_DIR",
  "DENO_CERT",
  "DENO_TLS_CA_STORE",
  "NODE_EXTRA_CA_CERTS",
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
  "NPM_CONFIG_REGISTRY",
] as const;

/** What starts the server. */
export interface StdioUpstreamParams {
  command: string;
  args?: string[];
  env?: Record<string, string>;
  cwd?: string;
  /** Largest message accepted from the server. */
  maxMessageBytes: number;
  /** Called with each complete stderr line (for the debug log). */
  onStderrLine?: (line: string) => void;
}

/** How the process ended. */
export type ExitStatus = { code: number | null; signal: string | null };

const CLOSE_GRACE_MS = 2000;

/** A stdio client transport with a per-message cap and a stderr tail. */
export class StdioUpstreamTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  /** The last lines of the server's stderr. */
  readonly stderr = new StderrTail();
  readonly #params: StdioUpstreamParams;
  readonly #framer: LineFramer;
  #process?: ChildProcess;
  #exit: ExitStatus | null = null;
  #pid: number | null = null;

  constructor(params: StdioUpstreamParams) {
    this.#params = params;
    this.#framer = new LineFramer(params.maxMessageBytes);
  }

  /** The process id once started. */
  get pid(): number | null {
    return this.#pid;
  }

  /** How the process ended (null while it runs, or before it started). */
  get exit(): ExitStatus | null {
    return this.#exit;
  }

  /** Spawns the server. */
  start(): Promise<void> {
    if (this.#process) return Promise.reject(new Error("The transport was already started."));
    const { command, args = [], cwd } = this.#params;
    return new Promise((resolve, reject) => {
      const child = spawn(command, args, {
        env: upstreamEnv(this.#params.env),
        stdio: ["pipe", "pipe", "pipe"],
        shell: false,
        cwd,
      });
      this.#process = child;
      child.on("error", (error) => {
        reject(error);
        this.onerror?.(error);
      });
      child.on("spawn", () => {
        this.#pid = child.pid ?? null;
        resolve();
      });
      child.on("close", (code, signal) => {
        this.#exit = { code, signal };
        this.#process = undefined;
        this.onclose?.();
      });
      child.stdin?.on("error", (error) => this.onerror?.(error));
      child.stdout?.on("data", (chunk: Uint8Array) => this.#ondata(chunk));
      child.stdout?.on("error", (error) => this.onerror?.(error));
      child.stderr?.on("data", (chunk: Uint8Array) => {
        for (const line of this.stderr.push(chunk)) this.#params.onStderrLine?.(line);
      });
    });
  }

  /** Sends one message; rejects when the process is gone. */
  send(message: JSONRPCMessage): Promise<void> {
    const stdin = this.#process?.stdin;
    if (!stdin) return Promise.reject(new Error("Not connected"));
    return new Promise((resolve, reject) => {
      stdin.write(serializeMessage(message), (error) => error ? reject(error) : resolve());
    });
  }

  /** Ends the server: closes its stdin, then SIGTERM, then SIGKILL, 2 s apart. */
  async close(): Promise<void> {
    const child = this.#process;
    this.#process = undefined;
    if (child) {
      const closed = new Promise<void>((resolve) => child.once("close", () => resolve()));
      const grace = () =>
        Promise.race([closed, new Promise((r) => setTimeout(r, CLOSE_GRACE_MS).unref())]);
      try {
        child.stdin?.end();
      } catch { /* already closed */ }
      await grace();
      for (const signal of ["SIGTERM", "SIGKILL"] as const) {
        if (child.exitCode !== null || child.signalCode !== null) break;
        child.kill(signal);
        if (signal === "SIGTERM") await grace();
      }
    }
    this.#framer.clear();
  }

  #ondata(chunk: Uint8Array): void {
    for (const frame of this.#framer.push(chunk)) {
      // The framer parses with the v1 SDK; its messages are the same JSON-RPC objects.
      if (frame.kind === "message") this.#deliver(frame.message as JSONRPCMessage);
      else if (frame.kind === "invalid") this.onerror?.(frame.error);
      else if (frame.id === undefined) {
        this.onerror?.(
          new Error(`A message of ${frame.bytes} bytes without a visible id was dropped.`),
        );
      } else {
        const data = { bytes: frame.bytes, limit: this.#params.maxMessageBytes };
        this.#deliver({
          jsonrpc: "2.0",
          id: frame.id,
          error: { code: RESULT_TOO_LARGE_RPC_CODE, message: "Result too large", data },
        });
      }
    }
  }

  /**
   * Passes a message on. The SDK runs notification handlers a microtask later but settles a
   * response at once (and with it forgets the request's progress handler), so a response that
   * arrives in the same chunk as the request's last progress reports would overtake them and
   * they would be dropped as "unknown token". A response therefore goes a microtask later too,
   * after the handlers the messages before it queued.
   */
  #deliver(message: JSONRPCMessage): void {
    if (!("id" in message) || "method" in message) {
      this.onmessage?.(message);
      return;
    }
    queueMicrotask(() => this.onmessage?.(message));
  }
}

/** The SDK's default environment, the inherited variables, then the configured ones. */
export function upstreamEnv(env: Record<string, string> = {}): Record<string, string> {
  const inherited: Record<string, string> = {};
  for (const name of INHERITED_ENV) {
    const value = process.env[name];
    if (value) inherited[name] = value;
  }
  return { ...getDefaultEnvironment(), ...inherited, ...env };
}
