/**
 * Test support for the HTTP transport: starts the real server (`main.ts --transport http`, with
 * the permission flags of `deno task start:http`) on a free port, connects SDK clients to it, and
 * sends raw requests (fetch, or bare HTTP/1.1 over TCP when a test needs its own Host header).
 */
import { Client, StreamableHTTPClientTransport } from "../src/mcp_sdk.ts";
import { taskFlags } from "../scripts/task_flags.ts";
import { waitForExit } from "./processes.ts";
import { root, writeConfig } from "./server.ts";

/** A running HTTP server process. */
export interface HttpTestServer {
  /** The MCP endpoint. */
  url: string;
  port: number;
  pid: number;
  /** Everything it wrote to stderr so far. */
  stderr: () => string;
  /** Sends a signal and waits for the exit status. */
  stop: (signal?: Deno.Signal) => Promise<Deno.CommandStatus>;
  /** Resolves when the process exits. */
  status: Promise<Deno.CommandStatus>;
}

/** Options for {@link startHttpServer}. */
export interface StartHttpOptions {
  /** Config object written to a file for `--config` (default: no upstreams, no warm pool). */
  config?: Record<string, unknown>;
  /** Extra environment (e.g. MCP_CODE_MODE_TOKEN). */
  env?: Record<string, string>;
  /** Extra CLI arguments after main.ts. */
  args?: string[];
}

/** Spawns the server process; resolves once it says where it listens (or rejects with its log). */
export async function startHttpServer(options: StartHttpOptions = {}): Promise<HttpTestServer> {
  const configPath = writeConfig(options.config ?? { sandbox: { pool_size: 0 } });
  const env = { ...Deno.env.toObject(), ...options.env };
  if (!options.env?.MCP_CODE_MODE_TOKEN) delete env.MCP_CODE_MODE_TOKEN;
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      ...taskFlags("start:http"),
      "main.ts",
      "--transport",
      "http",
      "--port",
      "0",
      "--config",
      configPath,
      ...(options.args ?? []),
    ],
    cwd: root,
    env,
    clearEnv: true,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let stderr = "";
  let announced: (url: string) => void = () => {};
  const url = new Promise<string>((resolve) => (announced = resolve));
  (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of child.stderr) {
      stderr += decoder.decode(chunk, { stream: true });
      const found = /Serving MCP over HTTP at (\S+) /.exec(stderr);
      if (found) announced(found[1]);
    }
  })();
  const status = child.status.finally(() => Deno.remove(`${root}${configPath}`).catch(() => {}));
  const started = await Promise.race([
    url,
    status.then((s) => Promise.reject(new Error(`server exited (${s.code}):\n${stderr}`))),
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`server did not start:\n${stderr}`)), 60_000)
    ),
  ]);
  return {
    url: started,
    port: Number(new URL(started).port),
    pid: child.pid,
    stderr: () => stderr,
    status,
    stop: async (signal: Deno.Signal = "SIGTERM") => {
      try {
        child.kill(signal);
      } catch {
        // already gone
      }
      await waitForExit(child.pid, 15_000);
      return await status;
    },
  };
}

/** Connects an SDK client over Streamable HTTP (with a bearer token when given). */
export async function connectHttp(
  url: string,
  options: { token?: string; capabilities?: Record<string, unknown> } = {},
): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const headers: Record<string, string> = options.token
    ? { Authorization: `Bearer ${options.token}` }
    : {};
  const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } });
  const client = new Client(
    { name: "http-test-client", version: "1.0.0" },
    options.capabilities ? { capabilities: options.capabilities } : undefined,
  );
  await client.connect(transport);
  return { client, transport };
}

/** Headers of a well-formed MCP POST. */
export function mcpHeaders(extra: Record<string, string> = {}): Record<string, string> {
  return {
    "Content-Type": "application/json",
    Accept: "application/json, text/event-stream",
    ...extra,
  };
}

/** An `initialize` request body. */
export function initializeBody(id = 1): string {
  return JSON.stringify({
    jsonrpc: "2.0",
    id,
    method: "initialize",
    params: {
      protocolVersion: "2025-06-18",
      capabilities: {},
      clientInfo: { name: "raw-test", version: "1.0.0" },
    },
  });
}

/** Initializes a session with raw requests; returns its id. */
export async function rawSession(url: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: "POST",
    headers: mcpHeaders(headers),
    body: initializeBody(),
  });
  await response.body?.cancel();
  const id = response.headers.get("mcp-session-id");
  if (response.status !== 200 || !id) throw new Error(`initialize failed: ${response.status}`);
  return id;
}

/** Sends one HTTP/1.1 request over TCP with exactly these headers; returns status and body. */
export async function rawHttp(
  port: number,
  request: { method?: string; headers: Record<string, string>; body?: string },
): Promise<{ status: number; body: string }> {
  const body = request.body ?? "";
  const lines = [`${request.method ?? "POST"} /mcp HTTP/1.1`];
  for (const [name, value] of Object.entries(request.headers)) lines.push(`${name}: ${value}`);
  lines.push(`Content-Length: ${new TextEncoder().encode(body).length}`, "Connection: close");
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await conn.write(new TextEncoder().encode(lines.join("\r\n") + "\r\n\r\n" + body));
  const text = await new Response(conn.readable).text();
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
  return { status, body: text.slice(text.indexOf("\r\n\r\n") + 4) };
}
