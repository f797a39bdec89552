/**
 * One upstream MCP server seen from the broker: an SDK `Client` over stdio (our capped transport,
 * {@link StdioUpstreamTransport}) or HTTP (Streamable HTTP with SSE fallback), connected and
 * listed within the SDK's request timeout, calls with a timeout and cancellation, results capped
 * at `max_result_bytes`, and a restart on next use after the connection is lost. Why it failed is
 * told with the server's own last stderr lines (a missing Deno permission: where its flag goes).
 */
import type { ServerConfig } from "../config.ts";
import { log } from "../log.ts";
import {
  Client,
  type ClientTransport,
  McpError,
  McpErrorCode,
  SSEClientTransport,
  StreamableHTTPClientTransport,
  type Tool,
} from "../mcp_sdk.ts";
import { SERVER_NAME, SERVER_VERSION } from "../version.ts";
import { permissionAdvice } from "./permission_advice.ts";
import { type ExitStatus, StdioUpstreamTransport } from "./stdio_client_transport.ts";
import {
  classifyCallError,
  resultTooLargeMessage,
  spawnFailure,
  unavailableMessage,
  type UpstreamFailureCode,
} from "./upstream_errors.ts";

/** Connection state of an upstream. */
export type UpstreamStatus = "connecting" | "ready" | "unavailable" | "closed";

/** The outcome of a call, before it is mapped for Python. */
export type UpstreamCall =
  | { ok: true; result: Record<string, unknown> }
  | { ok: false; code: UpstreamFailureCode; message: string };

/** One progress report of a call in flight, as the upstream sent it. */
export type UpstreamProgress = { progress: number; total?: number; message?: string };

const DEFAULT_TIMEOUT_MS = 30_000;

/** A connection to one configured upstream server. */
export class Upstream {
  readonly name: string;
  readonly config: ServerConfig;
  status: UpstreamStatus = "connecting";
  /** Why the upstream is unavailable (when it is). */
  reason = "";
  tools: Tool[] = [];
  #client: Client | null = null;
  #stdio: StdioUpstreamTransport | null = null;
  #connecting: Promise<boolean> | null = null;
  #stopping = false;

  constructor(name: string, config: ServerConfig) {
    this.name = name;
    this.config = config;
  }

  /** Milliseconds allowed to connect and to answer one call. */
  get timeoutMs(): number {
    return this.config.timeout_ms ?? DEFAULT_TIMEOUT_MS;
  }

  /** Connects and lists tools; resolves to false (status unavailable) on failure. Never throws. */
  connect(): Promise<boolean> {
    this.#connecting ??= this.#connect().finally(() => (this.#connecting = null));
    return this.#connecting;
  }

  /**
   * Calls a tool, reconnecting first when the connection was lost. With `onProgress` the request
   * carries a progress token and the upstream's progress reports are passed on. Never throws.
   */
  async call(
    tool: string,
    args: Record<string, unknown>,
    signal: AbortSignal,
    onProgress?: (report: UpstreamProgress) => void,
  ): Promise<UpstreamCall> {
    if (this.status === "closed") return this.#unavailable("the server is shutting down");
    if (this.status !== "ready" || !this.#client) {
      const why = this.reason ? ` (${this.reason})` : "";
      log("info", `Upstream "${this.name}" is ${this.status}${why}; reconnecting for a call.`);
      if (!(await this.connect())) return this.#unavailable(this.reason);
    }
    const client = this.#client!;
    let result: Record<string, unknown>;
    try {
      result = await client.callTool({ name: tool, arguments: args }, undefined, {
        signal,
        timeout: this.timeoutMs,
        ...(onProgress ? { onprogress: onProgress } : {}),
      });
    } catch (error) {
      const context = { server: this.name, tool, timeoutMs: this.timeoutMs };
      const failure = classifyCallError(error, { ...context, aborted: signal.aborted });
      if (failure.code === "RESULT_TOO_LARGE") log("warn", failure.message);
      if (!failure.lost) return { ok: false, code: failure.code, message: failure.message };
      if (this.#client === client && this.status === "ready") this.#lost(failure.message);
      return this.#unavailable(this.reason);
    }
    return this.#stdio ? { ok: true, result } : this.#capped(tool, result);
  }

  /** Closes the connection (and ends a stdio upstream's process). */
  async close(): Promise<void> {
    this.status = "closed";
    const client = this.#client;
    this.#client = null;
    await client?.close().catch(() => {});
  }

  async #connect(): Promise<boolean> {
    this.status = "connecting";
    const old = this.#client;
    this.#client = null;
    await old?.close().catch(() => {});
    let client: Client | null = null;
    try {
      client = await this.#open();
      const listed = await client.listTools(undefined, { timeout: this.timeoutMs });
      this.tools = listed.tools;
      client.onclose = () => {
        if (this.#client === client && this.status === "ready") this.#lost("the connection closed");
      };
      if (this.#isClosed()) {
        await client.close().catch(() => {});
        return false;
      }
      this.#client = client;
      this.status = "ready";
      this.reason = "";
      return true;
    } catch (error) {
      await client?.close().catch(() => {});
      if (!this.#isClosed()) this.status = "unavailable";
      this.reason = this.#explain(error, "during start");
      log(
        "error",
        `Upstream "${this.name}" is unavailable: ${this.reason}. The other servers keep working.`,
      );
      return false;
    }
  }

  /**
   * Marks a ready upstream as lost, with the process's own account of why when it has one. Said
   * at once, unless the host is stopping or a stop signal ended it: a terminal's Ctrl-C (or a
   * service manager's SIGTERM) reaches the upstreams too, often before the host hears it, so such
   * a loss is told on next use, not during a shutdown.
   */
  #lost(message: string): void {
    this.status = "unavailable";
    this.reason = this.#explain(new Error(message), "");
    const quiet = this.#stopping || endedByStopSignal(this.#stdio?.exit);
    log(
      quiet ? "debug" : "warn",
      `Upstream "${this.name}" disconnected (${this.reason}); restarted on next use.`,
    );
  }

  /** The host is shutting down: a loss from now on is not reported. */
  stopping(): void {
    this.#stopping = true;
  }

  /** A reason for humans: how a stdio process ended and its last stderr lines, else `error`. */
  #explain(error: unknown, when: string): string {
    const config = this.config;
    const spawn = "command" in config && spawnFailure(error, this.name, config, exists);
    if (spawn) return spawn;
    let reason = error instanceof Error ? error.message : String(error);
    const denied = /Requires net access to "([^"]+)"/.exec(reason);
    if (denied) {
      return `the host may not connect to ${denied[1]}; start it with --allow-net=${denied[1]}`;
    }
    const exit = this.#stdio?.exit;
    const closed = error instanceof McpError && error.code === McpErrorCode.ConnectionClosed;
    if (exit && (closed || !when)) {
      reason = exit.signal
        ? `it was ended by ${exit.signal}`
        : `it exited with code ${exit.code}${when ? ` ${when}` : ""}`;
    }
    const tail = this.#stdio?.stderr.text();
    const told = tail ? `${reason}: ${tail}` : reason;
    return this.#stdio ? permissionAdvice(told, this.name) : told;
  }

  #unavailable(reason: string): UpstreamCall {
    const retry = this.status === "closed" ? "" : " It is restarted on the next call.";
    return {
      ok: false,
      code: "UPSTREAM_UNAVAILABLE",
      message: unavailableMessage(this.name, reason) + retry,
    };
  }

  /** Over HTTP the SDK has no cap while receiving, so the size is checked once it is here. */
  #capped(tool: string, result: Record<string, unknown>): UpstreamCall {
    const bytes = new TextEncoder().encode(JSON.stringify(result)).length;
    if (bytes <= this.config.max_result_bytes) return { ok: true, result };
    const label = `${this.name}.${tool}`;
    return {
      ok: false,
      code: "RESULT_TOO_LARGE",
      message: resultTooLargeMessage(this.name, label, bytes, this.config.max_result_bytes),
    };
  }

  /** Read through a method: `close()` may change the status while a connect is awaited. */
  #isClosed(): boolean {
    return this.status === "closed";
  }

  #open(): Promise<Client> {
    const config = this.config;
    this.#stdio = null;
    if ("command" in config) {
      const transport = new StdioUpstreamTransport({
        command: config.command,
        args: config.args,
        env: config.env,
        cwd: config.cwd,
        maxMessageBytes: config.max_result_bytes,
        onStderrLine: (line) => log("debug", `[${this.name}] ${line}`),
      });
      this.#stdio = transport;
      return this.#connectWith(transport);
    }
    return this.#openHttp(new URL(config.url), config.headers, config.type);
  }

  async #openHttp(
    url: URL,
    headers: Record<string, string> | undefined,
    type: "http" | "streamable-http" | "sse" | undefined,
  ): Promise<Client> {
    const requestInit: RequestInit = headers ? { headers } : {};
    if (type === "sse") return this.#connectSse(url, requestInit);
    try {
      return await this.#connectWith(new StreamableHTTPClientTransport(url, { requestInit }));
    } catch (error) {
      if (type === "http" || type === "streamable-http") throw error;
      log("info", `Upstream "${this.name}": Streamable HTTP failed (${error}); trying SSE.`);
      return this.#connectSse(url, requestInit);
    }
  }

  /** SSE opens its event stream before `initialize`; an abort bounds that wait too. */
  async #connectSse(url: URL, requestInit: RequestInit): Promise<Client> {
    const opening = new AbortController();
    const timer = setTimeout(
      () => opening.abort(new Error(`no answer within ${this.timeoutMs} ms`)),
      this.timeoutMs,
    );
    const eventSourceInit = {
      fetch: (input: string | URL, init?: RequestInit) =>
        fetch(input, { ...requestInit, ...init, signal: opening.signal }),
    };
    try {
      return await this.#connectWith(
        new SSEClientTransport(url, { requestInit, eventSourceInit }) as ClientTransport,
      );
    } finally {
      clearTimeout(timer);
    }
  }

  async #connectWith(transport: ClientTransport): Promise<Client> {
    const client = new Client({ name: SERVER_NAME, version: SERVER_VERSION });
    try {
      await client.connect(transport, { timeout: this.timeoutMs });
      return client;
    } catch (error) {
      await client.close().catch(() => {});
      throw error;
    }
  }
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Ended by SIGINT, SIGTERM or SIGHUP, or exited with the code a shell gives for them. */
function endedByStopSignal(exit: ExitStatus | null | undefined): boolean {
  if (!exit) return false;
  return ["SIGINT", "SIGTERM", "SIGHUP"].includes(exit.signal ?? "") ||
    [129, 130, 143].includes(exit.code ?? -1);
}
