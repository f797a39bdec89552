/**
 * One upstream MCP server seen from the broker: a v2 SDK `Client` over stdio (our capped
 * transport, {@link StdioUpstreamTransport}) or HTTP (Streamable HTTP with SSE fallback), which
 * negotiates the protocol era (`servers.<name>.protocol`: a 2026-07-28 server is reached in the
 * modern era, a 2025 one with `initialize`), connected and listed within the request timeout,
 * calls with a timeout and cancellation, results capped at `max_result_bytes` (a warning the first
 * time, then counted), and a restart on next use after the connection is lost. Why it failed is
 * told with the server's own last stderr lines (a missing Deno permission: where its flag goes).
 */
import type { ServerConfig } from "../config.ts";
import { log } from "../log.ts";
import {
  Client,
  type ClientTransport,
  type ProtocolEra,
  SdkError,
  SdkErrorCode,
  SSEClientTransport,
  StreamableHTTPClientTransport,
  type Tool,
} from "../mcp_client_sdk.ts";
import { SERVER_NAME, SERVER_VERSION } from "../version.ts";
import { permissionAdvice } from "./permission_advice.ts";
import { endedAtProbe, eraAdvice, versionNegotiation } from "./protocol_era.ts";
import { RepeatedWarning } from "./repeated_warning.ts";
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
  /** Set once the process ended at the era probe: from then on only the 2025 handshake. */
  #legacyOnly = false;
  readonly #tooLarge = new RepeatedWarning();

  constructor(name: string, config: ServerConfig) {
    this.name = name;
    this.config = config;
  }

  /** The protocol era of the live connection (undefined while not connected). */
  get era(): ProtocolEra | undefined {
    return this.#client?.getProtocolEra();
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
      result = await client.callTool({ name: tool, arguments: args }, {
        signal,
        timeout: this.timeoutMs,
        ...(onProgress ? { onprogress: onProgress } : {}),
      });
    } catch (error) {
      const context = { server: this.name, tool, timeoutMs: this.timeoutMs };
      const failure = classifyCallError(error, { ...context, aborted: signal.aborted });
      if (failure.code === "RESULT_TOO_LARGE") this.#warnTooLarge(failure.message);
      if (!failure.lost) return { ok: false, code: failure.code, message: failure.message };
      if (this.#client === client && this.status === "ready") this.#lost(failure.message);
      return this.#unavailable(this.reason);
    }
    return this.#stdio ? { ok: true, result } : this.#capped(tool, result);
  }

  /** The first result too large is a warning; later ones are counted (one line a minute). */
  #warnTooLarge(message: string): void {
    const said = this.#tooLarge.note(message);
    if (said.kind === "first") log("warn", `${said.line} (later ones are counted)`);
    else if (said.kind === "summary") log("warn", `Upstream "${this.name}": ${said.line}`);
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
      const version = client.getNegotiatedProtocolVersion() ?? "unknown";
      log(
        "info",
        `Upstream "${this.name}" connected (protocol ${version}, ${client.getProtocolEra()} era).`,
      );
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
    const closed = error instanceof SdkError && error.code === SdkErrorCode.ConnectionClosed;
    if (exit && (closed || !when)) {
      reason = exit.signal
        ? `it was ended by ${exit.signal}`
        : `it exited with code ${exit.code}${when ? ` ${when}` : ""}`;
    }
    reason += eraAdvice(this.config.protocol, this.name, error);
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
    const message = resultTooLargeMessage(this.name, label, bytes, this.config.max_result_bytes);
    this.#warnTooLarge(message);
    return { ok: false, code: "RESULT_TOO_LARGE", message };
  }

  /** Read through a method: `close()` may change the status while a connect is awaited. */
  #isClosed(): boolean {
    return this.status === "closed";
  }

  #open(): Promise<Client> {
    const config = this.config;
    this.#stdio = null;
    if ("command" in config) return this.#openStdio();
    return this.#openHttp(new URL(config.url), config.headers, config.type);
  }

  /**
   * Starts the process and connects. In `"auto"`, a process that ends at the era probe is
   * started again with the 2025 handshake alone, which is remembered for later restarts.
   */
  async #openStdio(): Promise<Client> {
    try {
      return await this.#connectWith(this.#spawn());
    } catch (error) {
      const exited = this.#stdio?.exit != null;
      if (this.#legacyOnly || !endedAtProbe(this.config.protocol, error, exited)) throw error;
      const client = await this.#connectWith(this.#spawn(), true);
      this.#legacyOnly = true;
      log(
        "info",
        `Upstream "${this.name}" ended at the protocol probe and answered the 2025 handshake ` +
          'when started again; it is kept on it (legacy). Set its "protocol" to "legacy" to skip ' +
          "the probe.",
      );
      return client;
    }
  }

  #spawn(): StdioUpstreamTransport {
    const config = this.config;
    if (!("command" in config)) throw new Error("Not a stdio upstream.");
    const transport = new StdioUpstreamTransport({
      command: config.command,
      args: config.args,
      env: config.env,
      cwd: config.cwd,
      maxMessageBytes: config.max_result_bytes,
      onStderrLine: (line) => log("debug", `[${this.name}] ${line}`),
    });
    this.#stdio = transport;
    return transport;
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
        new SSEClientTransport(url, { requestInit, eventSourceInit }),
      );
    } finally {
      clearTimeout(timer);
    }
  }

  async #connectWith(transport: ClientTransport, legacy = this.#legacyOnly): Promise<Client> {
    const client = new Client({ name: SERVER_NAME, version: SERVER_VERSION }, {
      versionNegotiation: versionNegotiation(
        this.config.protocol,
        this.timeoutMs,
        transport instanceof StdioUpstreamTransport,
      ),
    });
    const prior = legacy ? { prior: { kind: "legacy" as const } } : {};
    try {
      await client.connect(transport, { timeout: this.timeoutMs, ...prior });
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
