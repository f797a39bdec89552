/**
 * Test support: a tiny real MCP server (the SDK's `Server` over its stdio transport) with the
 * behaviours the npm servers do not offer: results of any size, JSON-RPC errors with a chosen
 * message, a call held open until another call releases it, dying with a last word on stderr,
 * writing a file (at start with `--write-at-start PATH`, or by a call) with or without the
 * permission to, and progress reports written in the same write as the answer. With
 * `--exit-before-initialize` it ends at a request before `initialize`, as some servers do at the
 * 2026 era's `server/discover` probe.
 * Run it with `deno run --quiet --no-prompt support/test_upstream.ts`.
 */
import {
  CallToolRequestSchema,
  ListToolsRequestSchema,
  Server,
  StdioServerTransport,
} from "../src/mcp_sdk.ts";
import { scriptUpstream } from "./script_upstream.ts";

/** The command and arguments of a config entry that runs this server. */
export function testUpstream(
  extra: Record<string, unknown> = {},
  args: string[] = [],
): Record<string, unknown> {
  return scriptUpstream(import.meta.url, extra, args);
}

const number = (description: string) => ({ type: "number", description });
const string = (description: string) => ({ type: "string", description });

const TOOLS = [
  { name: "big", description: "A text of `bytes` letters.", props: { bytes: number("size") } },
  {
    name: "deep",
    description: "JSON nested `levels` deep, as text or (`structured`) as structuredContent.",
    props: { levels: number("depth"), structured: { type: "boolean" } },
  },
  { name: "echo", description: "Returns `text`.", props: { text: string("text") } },
  { name: "fail", description: "Answers a JSON-RPC error.", props: { message: string("text") } },
  { name: "hold", description: "Answers once `release` is called.", props: { key: string("k") } },
  { name: "release", description: "Ends a `hold`.", props: { key: string("key") } },
  { name: "pid", description: "The server's process id.", props: {} },
  { name: "deno_dir", description: "The DENO_DIR it was given.", props: {} },
  { name: "die", description: "Writes `last_words` to stderr and exits.", props: {} },
  { name: "write", description: "Writes `text` to the file `path`.", props: { path: string("p") } },
  {
    name: "burst",
    description: "Answers with `n` progress reports written in one write with the answer.",
    props: { n: number("reports") },
  },
];

/** Marks a result that {@link sendRaw} writes after its progress reports, in one write. */
const BURST = "__burst__";

/** Marks structured content that {@link sendRaw} replaces by deeply nested JSON. */
const DEEP = "__deep__";

function nested(levels: number): string {
  return "[".repeat(levels) + "]".repeat(levels);
}

/**
 * The SDK would overflow the stack serialising deep JSON, so such a message is written by hand
 * (as a hostile server would): `{"__deep__":N}` becomes N levels of nested arrays.
 */
function sendRaw(transport: StdioServerTransport): void {
  const send = transport.send.bind(transport);
  transport.send = (message) => {
    const burst = burstLines(message);
    if (burst) return Promise.resolve(writeAll(burst));
    const line = JSON.stringify(message);
    const marker = new RegExp(`\\{"${DEEP}":(\\d+)\\}`);
    const match = marker.exec(line);
    if (!match) return send(message);
    const raw = line.replace(marker, () => `{"v":${nested(Number(match[1]))}}`);
    const bytes = new TextEncoder().encode(raw + "\n");
    for (let at = 0; at < bytes.length;) at += Deno.stdout.writeSync(bytes.subarray(at));
    return Promise.resolve();
  };
}

/** The progress reports and the answer of a `burst` result, as one string; else undefined. */
function burstLines(message: unknown): string | undefined {
  const result = (message as { result?: { _meta?: Record<string, unknown> } }).result;
  const burst = result?._meta?.[BURST] as { n: number; token: string | number } | undefined;
  if (!burst) return undefined;
  delete result!._meta![BURST];
  const lines = [];
  for (let i = 1; i <= burst.n; i++) {
    const params = { progressToken: burst.token, progress: i, total: burst.n };
    lines.push(JSON.stringify({ jsonrpc: "2.0", method: "notifications/progress", params }));
  }
  return [...lines, JSON.stringify(message)].join("\n") + "\n";
}

function writeAll(text: string): void {
  const bytes = new TextEncoder().encode(text);
  for (let at = 0; at < bytes.length;) at += Deno.stdout.writeSync(bytes.subarray(at));
}

const held = new Map<string, () => void>();

function hold(key: string): Promise<void> {
  return new Promise<void>((resolve) => held.set(key, resolve));
}

const text = (value: string) => ({ content: [{ type: "text", text: value }] });

async function call(
  name: string,
  args: Record<string, unknown>,
  progressToken?: string | number,
) {
  switch (name) {
    case "burst":
      return { ...text("burst"), _meta: { [BURST]: { n: Number(args.n), token: progressToken } } };
    case "big":
      return text("x".repeat(Number(args.bytes)));
    case "deep":
      return args.structured
        ? { content: [], structuredContent: { [DEEP]: Number(args.levels) } }
        : text(nested(Number(args.levels)));
    case "echo":
      return text(String(args.text));
    case "fail":
      throw new Error(String(args.message));
    case "hold":
      await hold(String(args.key));
      return text(`released ${args.key}`);
    case "release":
      held.get(String(args.key))?.();
      return text(held.has(String(args.key)) ? "released" : "nothing held");
    case "pid":
      return text(String(Deno.pid));
    case "deno_dir":
      return text(Deno.env.get("DENO_DIR") ?? "(not set)");
    case "write":
      await Deno.writeTextFile(String(args.path), "written by the test upstream");
      return text("written");
    case "die":
      console.error("test upstream: the disk is on fire, giving up");
      Deno.exit(3);
  }
  throw new Error(`unknown tool ${name}`);
}

if (import.meta.main) {
  if (Deno.args[0] === "--write-at-start") {
    Deno.writeTextFileSync(Deno.args[1], "written at start"); // throws without --allow-write
  }
  const startFailure = Deno.args[0] === "--fail-at-start" ? Deno.args[1] : undefined;
  if (startFailure !== undefined) {
    console.error(`line one of noise\n${startFailure}`);
    Deno.exit(2);
  }
  const server = new Server({ name: "test-upstream", version: "1.0.0" }, {
    capabilities: { tools: {} },
  });
  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: TOOLS.map((t) => ({
      name: t.name,
      description: t.description,
      inputSchema: { type: "object" as const, properties: t.props },
    })),
  }));
  server.setRequestHandler(
    CallToolRequestSchema,
    (request) =>
      call(
        request.params.name,
        request.params.arguments ?? {},
        request.params._meta?.progressToken,
      ),
  );
  const transport = new StdioServerTransport();
  sendRaw(transport);
  await server.connect(transport);
  if (Deno.args[0] === "--exit-before-initialize") exitBeforeInitialize(transport);
}

/** Like servers that end on any request before `initialize`: one such request ends the process. */
function exitBeforeInitialize(transport: StdioServerTransport): void {
  const handle = transport.onmessage!;
  let initialized = false;
  transport.onmessage = (message) => {
    const method = "method" in message ? message.method : undefined;
    if (method === "initialize") initialized = true;
    if (!initialized && "id" in message && method) {
      console.error(`Unexpected ${method} before initialize; exiting.`);
      Deno.exit(3);
    }
    handle(message);
  };
}
