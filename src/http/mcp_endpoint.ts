/**
 * The MCP endpoint's request handling: the Host/Origin checks (DNS rebinding), the bearer token
 * (when one is set), the body cap and the session caps, then the SDK's web-standard Streamable
 * HTTP transport. With sessions, each session has its own transport, {@link ClientScope} and
 * `McpServer` (the executor and broker behind them are shared), and the scope is closed with the
 * transport; stateless, each POST gets all three fresh. Each server is told its principal, whom
 * per-client limits behind it count for: the bearer token the client sent (all MCP sessions with
 * one token are one principal), or without tokens the MCP session itself.
 */
import { type McpServer, WebStandardStreamableHTTPServerTransport } from "../mcp_sdk.ts";
import { log } from "../log.ts";
import { ClientScope } from "../server/client_scope.ts";
import { hostRefusal, matchingToken, type OriginPolicy, originRefusal } from "./guards.ts";
import type { HttpConfig } from "./http_config.ts";
import type { SessionTable } from "./sessions.ts";

/** The MCP endpoint's path. */
export const MCP_PATH = "/mcp";

/** Whom a session's server counts its per-client limits for. */
export interface Principal {
  /** What counts are kept by: `bearer:<n>` (the n-th token), or `http:<uuid>` (one session). */
  id: string;
  /** How messages name it: `bearer token <n>`, or `an MCP session without a token`. */
  label: string;
}

/** What a request is handled with. */
export interface EndpointContext {
  /** Bind address, limits, sessions. */
  config: HttpConfig;
  /**
   * Builds the MCP server of one session (or of one stateless request) for `principal`, serving
   * `scope` (the conversation's state, with `principal` as its client; closed by the endpoint).
   */
  createServer: (principal: Principal, scope: ClientScope) => McpServer;
  /** The accepted bearer tokens; none means no auth. */
  tokens: string[];
  policy: OriginPolicy;
  sessions: SessionTable;
  /** The client's address. */
  client: string;
  /** Clients told (on stderr) that they reached their session cap, until one closes. */
  refused: Set<string>;
}

/** Answers one request to the server (any path). */
export async function handle(request: Request, context: EndpointContext): Promise<Response> {
  const { config, policy, sessions } = context;
  const url = new URL(request.url);
  if (url.pathname !== MCP_PATH) return plain(404, `Not found: the MCP endpoint is ${MCP_PATH}.`);
  const refused = hostRefusal(request.headers.get("host") ?? url.host, policy) ??
    originRefusal(request.headers.get("origin"), policy);
  if (refused) return plain(403, `Forbidden: ${refused}`);
  const token = context.tokens.length
    ? matchingToken(request.headers.get("authorization"), context.tokens)
    : -1;
  if (context.tokens.length && token < 0) {
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
  if (config.stateless) return await stateless(request, context, principalOf(token));
  const id = request.headers.get("mcp-session-id");
  if (id !== null) {
    const session = sessions.get(id);
    // A session answers only the token that opened it (a holder of another cannot hijack it).
    if (!session || (token >= 0 && session.principal !== principalOf(token).id)) {
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
  return sessionLimit(context) ?? await newSession(request, context, principalOf(token));
}

/** The principal of a request with the `token`-th token (0-based), or without one (-1). */
function principalOf(token: number): Principal {
  return token >= 0
    ? { id: `bearer:${token + 1}`, label: `bearer token ${token + 1}` }
    : { id: `http:${crypto.randomUUID()}`, label: "an MCP session without a token" };
}

/** The refusal of a new session past `max_sessions` or `max_sessions_per_client`, if any. */
function sessionLimit(context: EndpointContext): Response | undefined {
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
async function newSession(
  request: Request,
  context: EndpointContext,
  principal: Principal,
): Promise<Response> {
  const { sessions } = context;
  const release = sessions.reserve(context.client);
  // The id is chosen up front: the scope's audit label is the MCP session id.
  const newId = crypto.randomUUID();
  const scope = new ClientScope({ transport: "http", client: principal, label: newId });
  const server = context.createServer(principal, scope);
  let sessionId: string | undefined;
  const transport: WebStandardStreamableHTTPServerTransport =
    new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => newId,
      maxRequestBodySize: context.config.max_body_bytes,
      onsessioninitialized: (id: string) => {
        sessionId = id;
        sessions.add({
          id,
          client: context.client,
          principal: principal.id,
          transport,
          server,
          inFlight: 1,
        });
      },
    });
  // Set before connect: the SDK chains its own close handling after this one.
  transport.onclose = () => {
    if (sessionId) sessions.remove(sessionId);
    void scope.close();
  };
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
    await scope.close();
    throw error;
  } finally {
    release();
  }
}

/** Stateless mode: a fresh transport, scope and server for this one POST, closed when answered. */
async function stateless(
  request: Request,
  context: EndpointContext,
  principal: Principal,
): Promise<Response> {
  if (request.method !== "POST") {
    return plain(
      405,
      "Method not allowed: this server is stateless; send each message as a POST.",
      {
        Allow: "POST",
      },
    );
  }
  const scope = new ClientScope({ transport: "stateless", client: principal });
  const server = context.createServer(principal, scope);
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    maxRequestBodySize: context.config.max_body_bytes,
  });
  transport.onclose = () => void scope.close();
  try {
    await server.connect(transport);
    const response = await transport.handleRequest(request);
    return whenFinished(response, () => void server.close().catch(() => {}));
  } catch (error) {
    await server.close().catch(() => {});
    await scope.close();
    throw error;
  }
}

/** The same response, calling `done` once its body has been sent, failed or been cancelled. */
function whenFinished(response: Response, done: () => void): Response {
  const headers = new Headers(response.headers);
  // Hop-by-hop, set by the SDK on streams: the listener decides (and honours a client's close).
  headers.delete("connection");
  if (!response.body) {
    done();
    return new Response(null, { status: response.status, headers });
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
  return new Response(body, { status: response.status, headers });
}

/** A plain-text answer (the message and a newline). */
export function plain(
  status: number,
  message: string,
  headers: Record<string, string> = {},
): Response {
  return new Response(message + "\n", {
    status,
    headers: { "Content-Type": "text/plain; charset=utf-8", ...headers },
  });
}
