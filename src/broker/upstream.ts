/**
 * One upstream MCP server seen from the broker: an SDK `Client` over stdio or HTTP (Streamable
 * HTTP with SSE fallback), connected with a timeout, its tool list, calls with a timeout and
 * cancellation, and a restart on next use after the connection is lost.
 */
import type { ServerConfig } from "../config.ts";
import { log } from "../log.ts";
import {
  Client,
  type ClientTransport,
  SSEClientTransport,
  StdioClientTransport,
  StreamableHTTPClientTransport,
  type Tool,
} from "../mcp_sdk.ts";

/** Connection state of an upstream. */
export type UpstreamStatus = "connecting" | "ready" | "unavailable" | "closed";

/** The outcome of a call, before it is mapped for Python. */
export type UpstreamCall =
  | { ok: true; result: Record<string, unknown> }
  | { ok: false; code: "UPSTREAM_UNAVAILABLE" | "TOOL_ERROR" | "TIMEOUT"; message: string };

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
  #connecting: Promise<boolean> | null = null;

  constructor(name: string, config: ServerConfig) {
    this.name = name;
    this.config = config;
  }

  /** Milliseconds allowed to connect and to answer one call. */
  get timeoutMs(): number {
    return this.config.timeout_ms ?? DEFAULT_TIMEOUT_MS;
  }

  /** The process id of a stdio upstream, when it runs. */
  get pid(): number | null {
    const transport = this.#client?.transport;
    return transport instanceof StdioClientTransport ? transport.pid : null;
  }

  /** Connects and lists tools; resolves to false (status unavailable) on failure. Never throws. */
  connect(): Promise<boolean> {
    this.#connecting ??= this.#connect().finally(() => (this.#connecting = null));
    return this.#connecting;
  }

  /** Calls a tool, reconnecting first when the connection was lost. Never throws. */
  async call(
    tool: string,
    args: Record<string, unknown>,
    signal: AbortSignal,
  ): Promise<UpstreamCall> {
    if (this.status === "closed") return unavailable(this.name, "the server is shutting down");
    if (this.status !== "ready" || !this.#client) {
      log("info", `Upstream "${this.name}" is ${this.status}; reconnecting for a call.`);
      if (!(await this.connect())) return unavailable(this.name, this.reason);
    }
    try {
      const result = await this.#client!.callTool({ name: tool, arguments: args }, undefined, {
        signal,
        timeout: this.timeoutMs,
      });
      return { ok: true, result: result as Record<string, unknown> };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (signal.aborted) return { ok: false, code: "TIMEOUT", message: "the call was cancelled" };
      if (
        this.status !== "ready" || /Connection closed|not connected|EPIPE|closed/i.test(message)
      ) {
        this.status = "unavailable";
        this.reason = `the connection was lost (${message})`;
        return unavailable(this.name, this.reason);
      }
      if (/timed out|timeout/i.test(message)) {
        return {
          ok: false,
          code: "TIMEOUT",
          message: `"${this.name}" did not answer within ${this.timeoutMs} ms`,
        };
      }
      return { ok: false, code: "TOOL_ERROR", message };
    }
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
    let timer: ReturnType<typeof setTimeout> | undefined;
    let timedOut = false;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          timedOut = true;
          reject(new Error(`no answer within ${this.timeoutMs} ms`));
        }, this.timeoutMs);
      });
      const opening = this.#open();
      opening.then((late) => {
        if (timedOut) late.close().catch(() => {}); // connected after the timeout: drop it
      }, () => {});
      client = await Promise.race([opening, timeout]);
      const listed = await Promise.race([client.listTools(), timeout]);
      this.tools = listed.tools;
      client.onclose = () => {
        if (this.#client !== client || this.status === "closed") return;
        this.status = "unavailable";
        this.reason = "the connection was closed";
        log("warn", `Upstream "${this.name}" disconnected; it will be restarted on next use.`);
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
      this.reason = error instanceof Error ? error.message : String(error);
      const denied = /Requires net access to "([^"]+)"/.exec(this.reason);
      if (denied) {
        this.reason = `the host may not connect to ${denied[1]}; start it with --allow-net=${
          denied[1]
        }`;
      }
      log(
        "error",
        `Upstream "${this.name}" is unavailable: ${this.reason}. The other servers keep working.`,
      );
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Read through a method: `close()` may change the status while a connect is awaited. */
  #isClosed(): boolean {
    return this.status === "closed";
  }

  async #open(): Promise<Client> {
    const config = this.config;
    const client = () => new Client({ name: "mcp-code-mode", version: "0.1.0" });
    if ("command" in config) {
      const transport = new StdioClientTransport({
        command: config.command,
        args: config.args,
        env: config.env,
        cwd: config.cwd,
        stderr: "pipe",
      });
      transport.stderr?.on("data", (chunk: Uint8Array) => {
        for (const line of new TextDecoder().decode(chunk).split("\n")) {
          if (line.trim()) log("debug", `[${this.name}] ${line}`);
        }
      });
      const stdio = client();
      await stdio.connect(transport);
      return stdio;
    }
    const url = new URL(config.url);
    const requestInit: RequestInit = config.headers ? { headers: config.headers } : {};
    if (config.type === "sse") {
      const sse = client();
      await sse.connect(new SSEClientTransport(url, { requestInit }) as ClientTransport);
      return sse;
    }
    const http = client();
    try {
      await http.connect(
        new StreamableHTTPClientTransport(url, { requestInit }) as ClientTransport,
      );
      return http;
    } catch (error) {
      await http.close().catch(() => {});
      if (config.type === "http" || config.type === "streamable-http") throw error;
      log("info", `Upstream "${this.name}": Streamable HTTP failed (${error}); trying SSE.`);
      const sse = client();
      await sse.connect(new SSEClientTransport(url, { requestInit }) as ClientTransport);
      return sse;
    }
  }
}

function unavailable(name: string, reason: string): UpstreamCall {
  return {
    ok: false,
    code: "UPSTREAM_UNAVAILABLE",
    message:
      `The upstream server "${name}" is unavailable (${reason}); it is retried on the next call.`,
  };
}
