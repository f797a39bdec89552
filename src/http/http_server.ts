/**
 * MCP over Streamable HTTP at `/mcp`: the listener (`listener.ts`, with header and body read
 * timeouts) in front of the endpoint (`mcp_endpoint.ts`: checks, session caps, the SDK's
 * transport). `close()` closes every session, then stops the listener.
 */
import { log } from "../log.ts";
import type { McpServer } from "../mcp_sdk.ts";
import type { ClientScope } from "../server/client_scope.ts";
import { bindRefusal, type OriginPolicy, originPolicy, parseTokens } from "./guards.ts";
import type { HttpConfig } from "./http_config.ts";
import { listen } from "./listener.ts";
import { handle, MCP_PATH, plain, type Principal } from "./mcp_endpoint.ts";
import { SessionTable } from "./sessions.ts";

export { MCP_PATH, type Principal };

/** Options for {@link serveHttp}. */
export interface ServeHttpOptions {
  /** Bind address, limits, sessions. */
  config: HttpConfig;
  /**
   * Builds the MCP server of one session (or of one stateless request) for `principal`, serving
   * `scope`: the conversation's state, made and closed by the endpoint.
   */
  createServer: (principal: Principal, scope: ClientScope) => McpServer;
  /**
   * Bearer token clients must send, or several separated by white space (each its own principal);
   * none on a loopback address means no auth.
   */
  token?: string;
  /**
   * Settles when `createServer` can be called (the port is bound first, the upstreams started
   * after): requests wait for it; a rejection answers them 500.
   */
  ready?: Promise<unknown>;
}

/** A running HTTP server. */
export interface HttpServer {
  /** The endpoint, e.g. `http://127.0.0.1:8080/mcp`. */
  url: string;
  /** The port actually bound. */
  port: number;
  /** Open sessions. */
  sessions: () => number;
  /** Closes every session, then the listener (waits up to `graceMs` for running requests). */
  close: (graceMs?: number) => Promise<void>;
}

/** Starts serving; the result says why when it cannot (bind refused, port in use, no permission). */
export async function serveHttp(
  options: ServeHttpOptions,
): Promise<{ ok: true; server: HttpServer } | { ok: false; message: string }> {
  const { config } = options;
  const tokens = parseTokens(options.token);
  if (options.token && !tokens.length) {
    return {
      ok: false,
      message: "MCP_CODE_MODE_TOKEN is set but holds no token (only white space); set it to a " +
        "long random secret, or to several separated by spaces, or unset it.",
    };
  }
  const refusal = bindRefusal(config.host, tokens.length ? options.token : undefined);
  if (refusal) return { ok: false, message: refusal };
  const sessions = new SessionTable(config.idle_timeout_ms);
  let policy: OriginPolicy = originPolicy(config.host, config.port);
  const refused = new Set<string>();
  const failed = (error: unknown) => {
    log("error", `An HTTP request failed inside the server: ${errorText(error)}`);
    return plain(500, "Internal server error; see the server's log.");
  };
  const bound = await listen(
    config,
    async (request, client) => {
      try {
        await options.ready;
        return await handle(request, { ...options, tokens, policy, sessions, client, refused });
      } catch (error) {
        return failed(error);
      }
    },
    failed,
  );
  if (!bound.ok) {
    await sessions.closeAll();
    return bound;
  }
  const { listener } = bound;
  policy = originPolicy(config.host, listener.port, {
    hosts: config.allowed_hosts,
    origins: config.allowed_origins,
  });
  const shownHost = config.host.includes(":") ? `[${config.host}]` : config.host;
  let closing: Promise<void> | undefined;
  return {
    ok: true,
    server: {
      url: `http://${shownHost}:${listener.port}${MCP_PATH}`,
      port: listener.port,
      sessions: () => sessions.size,
      close: (graceMs = 5000) =>
        closing ??= (async () => {
          await sessions.closeAll();
          await listener.close(graceMs);
        })(),
    },
  };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
