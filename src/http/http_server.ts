/**
 * MCP over Streamable HTTP at `/mcp`: the SDK's web-standard transport inside `Deno.serve`. Before
 * a request reaches MCP it passes the Host/Origin checks (DNS rebinding), the bearer token (when
 * one is set) and the body cap. With sessions, each session has its own transport and
 * `McpServer` (the executor and broker behind them are shared); stateless, each POST gets both
 * fresh. `close()` closes every session, then stops the listener.
 */
import { log } from "../log.ts";
import { type McpServer, WebStandardStreamableHTTPServerTransport } from "../mcp_sdk.ts";
import {
  bindRefusal,
  hostRefusal,
  type OriginPolicy,
  originPolicy,
  originRefusal,
  tokenMatches,
} from "./guards.ts";
import type { HttpConfig } from "./http_config.ts";
import { SessionTable } from "./sessions.ts";

/** The MCP endpoint's path. */
export const MCP_PATH = "/mcp";

/** Options for {@link serveHttp}. */
export interface ServeHttpOptions {
  /** Bind address, limits, sessions. */
  config: HttpConfig;
  /** Builds the MCP server of one session (or of one stateless request). */
  createServer: () => McpServer;
  /** Bearer token clients must send; none on a loopback address means no auth. */
  token?: string;
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
export function serveHttp(
  options: ServeHttpOptions,
): { ok: true; server: HttpServer } | { ok: false; message: string } {
  const { config } = options;
  const token = options.token || undefined;
  const refusal = bindRefusal(config.host, token);
  if (refusal) return { ok: false, message: refusal };
  const sessions = new SessionTable(config.idle_timeout_ms);
  let policy: OriginPolicy = originPolicy(config.host, config.port);
  const refused = new Set<string>();
  const handler = (request: Request, info: Deno.ServeHandlerInfo<Deno.NetAddr>) =>
    handle(request, {
      ...options,
      token,
      policy,
      sessions,
      client: info.remoteAddr.hostname,
      refused,
    }).catch((error) => {
      log("error", `An HTTP request failed inside the server: ${errorText(error)}`);
      return plain(500, "Internal server error; see the server's log.");
    });
  let listener: Deno.HttpServer<Deno.NetAddr>;
  try {
    listener = Deno.serve({
      hostname: config.host,
      port: config.port,
      onListen: () => {},
      onError: (error) => {
        log("error", `An HTTP request failed: ${errorText(error)}`);
        return plain(500, "Internal server error; see the server's log.");
      },
    }, handler);
  } catch (error) {
    sessions.closeAll();
    return { ok: false, message: listenFailure(config, error) };
  }
  const port = listener.addr.port;
  policy = originPolicy(config.host, port, {
    hosts: config.allowed_hosts,
    origins: config.allowed_origins,
  });
  const shownHost = config.host.includes(":") ? `[${config.host}]` : config.host;
  let closing: Promise<void> | undefined;
  return {
    ok: true,
    server: {
      url: `http://${shownHost}:${port}${MCP_PATH}`,
      port,
      sessions: () => sessions.size,
      close: (graceMs = 5000) =>
        closing ??= (async () => {
          await sessions.closeAll();
          let timer: ReturnType<typeof setTimeout> | undefined;
          const stopped = listener.shutdown();
          const grace = new Promise((resolve) => (timer = setTimeout(resolve, graceMs)));
          await Promise.race([stopped, grace]);
          clearTimeout(timer);
        })(),
    },
  };
}

interface Context extends ServeHttpOptions {
  token: string | undefined;
  policy: OriginPolicy;
  sessions: SessionTable;
  /** The client's address. */
  client: string;
  /** Clients told (on stderr) that they reached their session cap, until one closes. */
  refused: Set<string>;
}

async function handle(request: Request, context: Context): Promise<Response> {
  const { config, policy, sessions } = context;
  const url = new URL(request.url);
  if (url.pathname !== MCP_PATH) return plain(404, `Not found: the MCP endpoint is ${MCP_PATH}.`);
  // HTTP/2 has no Host header: its authority is in the URL Deno builds from it.
  const refused = hostRefusal(request.headers.get("host") ?? url.host, policy) ??
    originRefusal(request.headers.get("origin"), policy);
  if (refused) return plain(403, `Forbidden: ${refused}`);
  if (context.token && !tokenMatches(request.headers.get("authorization"), context.token)) {
    return plain(401, "Unauthorized: send the server's token as 'Authorization: Bearer <token>'.", {
      "WWW-Authenticate": 'Bearer realm="mcp-code-mode"',
    });
  }
  if (Number(request.headers.get("content-length") ?? 0) > config.max_body_bytes) {
    return plain(
      413,
      `Payload too large: a request body may have at most ${config.max_body_bytes} bytes.`,
    );
  }
  if (!["GET", "POST", "DELETE"].includes(request.method)) {
    return plain(405, "Method not allowed: use POST, GET or DELETE.", {
      Allow: "GET, POST, DELETE",
    });
  }
  if (config.stateless) return await stateless(request, context);
  const id = request.headers.get("mcp-session-id");
  if (id !== null) {
    const session = sessions.get(id);
    if (!session) {
      return plain(404, "Session not found: it was closed or never existed; initialize a new one.");
    }
    session.inFlight++;
    const response = await session.transport.handleRequest(request).catch((error) => {
      session.inFlight--;
      throw error;
    });
    return whenFinished(response, () => {
      session.inFlight--;
      sessions.get(id); // marks it as just used
    });
  }
  if (request.method !== "POST") {
    return plain(400, "Bad request: send the Mcp-Session-Id header you got from initialize.");
  }
  return sessionLimit(context) ?? await newSession(request, context);
}

/** The refusal of a new session past `max_sessions` or `max_sessions_per_client`, if any. */
function sessionLimit(context: Context): Response | undefined {
  const { config, sessions, client } = context;
  if (sessions.size >= config.max_sessions) {
    return plain(
      503,
      `Service unavailable: ${config.max_sessions} sessions are open (http.max_sessions); ` +
        "retry later.",
      { "Retry-After": "5" },
    );
  }
  const open = sessions.countFor(client);
  if (open < config.max_sessions_per_client) {
    context.refused.delete(client);
    return undefined;
  }
  if (!context.refused.has(client)) {
    context.refused.add(client);
    log(
      "warn",
      `Client ${client} has ${open} open HTTP sessions, the most http.max_sessions_per_client ` +
        "allows; its new sessions are refused (raise the setting if it needs more).",
    );
  }
  return plain(
    429,
    `Too many sessions: ${open} sessions are already open from this client (${client}), the ` +
      "most this server allows (http.max_sessions_per_client). Reuse one, or close one with " +
      "DELETE /mcp and its Mcp-Session-Id header, then initialize again.",
    { "Retry-After": "5" },
  );
}

/** A session-less POST: an `initialize` opens a session; anything else gets the SDK's error. */
async function newSession(request: Request, context: Context): Promise<Response> {
  const { sessions } = context;
  const release = sessions.reserve(context.client);
  const server = context.createServer();
  let sessionId: string | undefined;
  const transport: WebStandardStreamableHTTPServerTransport =
    new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => crypto.randomUUID(),
      maxRequestBodySize: context.config.max_body_bytes,
      onsessioninitialized: (id: string) => {
        sessionId = id;
        sessions.add({ id, client: context.client, transport, server, inFlight: 1 });
      },
    });
  // Set before connect: the SDK chains its own close handling after this one.
  transport.onclose = () => sessionId && sessions.remove(sessionId);
  try {
    await server.connect(transport);
    const response = await transport.handleRequest(request);
    if (sessionId === undefined) {
      // Not an initialize (or a malformed one): the SDK answered with the error; nothing to keep.
      await server.close().catch(() => {});
      return response;
    }
    const id = sessionId;
    return whenFinished(response, () => {
      const session = sessions.get(id);
      if (session) session.inFlight--;
    });
  } catch (error) {
    await server.close().catch(() => {});
    throw error;
  } finally {
    release();
  }
}

/** Stateless mode: a fresh transport and server for this one POST, closed when it is answered. */
async function stateless(request: Request, context: Context): Promise<Response> {
  if (request.method !== "POST") {
    return plain(
      405,
      "Method not allowed: this server is stateless; send each message as a POST.",
      {
        Allow: "POST",
      },
    );
  }
  const server = context.createServer();
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    maxRequestBodySize: context.config.max_body_bytes,
  });
  try {
    await server.connect(transport);
    const response = await transport.handleRequest(request);
    return whenFinished(response, () => void server.close().catch(() => {}));
  } catch (error) {
    await server.close().catch(() => {});
    throw error;
  }
}

/** The same response, calling `done` once its body has been sent, failed or been cancelled. */
function whenFinished(response: Response, done: () => void): Response {
  if (!response.body) {
    done();
    return response;
  }
  let called = false;
  const once = () => {
    if (!called) done();
    called = true;
  };
  const reader = response.body.getReader();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done: ended, value } = await reader.read();
        if (ended) {
          controller.close();
          once();
        } else controller.enqueue(value);
      } catch (error) {
        controller.error(error);
        once();
      }
    },
    cancel(reason) {
      once();
      return reader.cancel(reason);
    },
  });
  return new Response(body, { status: response.status, headers: response.headers });
}

function plain(status: number, message: string, headers: Record<string, string> = {}): Response {
  return new Response(message + "\n", {
    status,
    headers: { "Content-Type": "text/plain; charset=utf-8", ...headers },
  });
}

function listenFailure(config: HttpConfig, error: unknown): string {
  const where = `${config.host}:${config.port}`;
  if (error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied) {
    return `Serving HTTP on ${where} needs network permission: run "deno task start:http", ` +
      `or add --allow-net=${where} to the deno run flags.`;
  }
  if (error instanceof Deno.errors.AddrInUse) {
    return `Port ${config.port} on ${config.host} is already in use: stop the other server or ` +
      "choose another with --port.";
  }
  return `Serving HTTP on ${where} failed: ${errorText(error)}`;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
