/**
 * The HTTP listener: `node:http` (Deno's port of Node's server) with a fetch-style handler through
 * `@hono/node-server`, the adapter the MCP SDK uses for its own Node transport. Not `Deno.serve`:
 * it has no read timeouts (a connection that sends half a header stays open for good), while
 * Node's server answers 408 and closes a connection whose headers (`headersTimeout`) or whole
 * request (`requestTimeout`) take longer than `request_timeout_ms`. The time taken to answer is
 * not limited (a long tool call, an SSE stream).
 */
import { getRequestListener } from "@hono/node-server";
import { createServer, type Server } from "node:http";
import type { HttpConfig } from "./http_config.ts";

/** Handles one request; `client` is the address it came from. */
export type FetchHandler = (request: Request, client: string) => Promise<Response>;

/** A listening server. */
export interface Listener {
  /** The port actually bound. */
  port: number;
  /** Stops accepting, ends idle connections, and after `graceMs` every other one. */
  close: (graceMs: number) => Promise<void>;
}

/** Binds `config.host`:`config.port`; the result says why when it cannot. */
export async function listen(
  config: HttpConfig,
  handler: FetchHandler,
  onError: (error: unknown) => Response,
): Promise<{ ok: true; listener: Listener } | { ok: false; message: string }> {
  const timeout = config.request_timeout_ms;
  const requestListener = getRequestListener(
    (request: Request, env: { incoming: { socket: { remoteAddress?: string } } }) =>
      handler(request, env.incoming.socket.remoteAddress ?? "unknown"),
    { overrideGlobalObjects: false, errorHandler: onError },
  );
  const server = createServer({
    headersTimeout: timeout,
    requestTimeout: timeout,
    // How often the timeouts above are checked (Node's default is 30 s).
    connectionsCheckingInterval: Math.min(1000, Math.ceil(timeout / 4)),
  }, requestListener);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen({ host: config.host, port: config.port }, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (error) {
    server.close();
    return { ok: false, message: listenFailure(config, error) };
  }
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  return { ok: true, listener: { port, close: (graceMs) => stop(server, graceMs) } };
}

async function stop(server: Server, graceMs: number): Promise<void> {
  const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
  await Promise.race([stopped, grace]);
  clearTimeout(timer);
  server.closeAllConnections();
}

function listenFailure(config: HttpConfig, error: unknown): string {
  const where = `${config.host}:${config.port}`;
  const code = (error as { code?: string })?.code;
  if (
    error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied ||
    code === "EACCES" || code === "EPERM"
  ) {
    return `Serving HTTP on ${where} needs network permission: run "deno task start:http", ` +
      `or add --allow-net=${where} to the deno run flags.`;
  }
  if (error instanceof Deno.errors.AddrInUse || code === "EADDRINUSE") {
    return `Port ${config.port} on ${config.host} is already in use: stop the other server or ` +
      "choose another with --port.";
  }
  return `Serving HTTP on ${where} failed: ${error instanceof Error ? error.message : error}`;
}
