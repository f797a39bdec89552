/**
 * Command-line entry of MCP Code Mode: reads flags and the configuration, prepares the Python
 * sandbox, and serves MCP over stdio until stdin ends, or over Streamable HTTP, until a signal
 * arrives. Every way of stopping goes through one {@link shutdown}.
 */
import "./src/preflight.ts"; // first: one line instead of a stack trace when run without flags
import process from "node:process";
import { parseArgs } from "node:util";
import type { McpServer } from "./src/mcp_sdk.ts";
import { AuditLog } from "./src/approval/audit_log.ts";
import { Broker } from "./src/broker/broker.ts";
import { type Config, loadConfig } from "./src/config.ts";
import { envFilesFor, loadEnvFiles } from "./src/env_file.ts";
import type { HttpConfig } from "./src/http/http_config.ts";
import { serveHttp } from "./src/http/http_server.ts";
import { log } from "./src/log.ts";
import { Executor } from "./src/sandbox_host/executor.ts";
import { sandboxChecker } from "./src/skills/skill_checker.ts";
import { SkillStore } from "./src/skills/skill_store.ts";
import { ClientScope } from "./src/server/client_scope.ts";
import { InFlight } from "./src/server/in_flight.ts";
import { createServer, SERVER_VERSION } from "./src/server/server.ts";
import { BoundedStdioServerTransport } from "./src/server/stdio_transport.ts";

const USAGE =
  `mcp-code-mode ${SERVER_VERSION}: an MCP server that runs agent-written Python in a sandbox.

Usage: deno task start [--config PATH]
       deno task start:http [--host 127.0.0.1] [--port 8080] [--stateless]

Options:
  --config PATH       configuration file (env MCP_CODE_MODE_CONFIG; default ./mcp_servers.json)
  --transport NAME    stdio (default) or http (Streamable HTTP at /mcp)
  --host ADDRESS      HTTP bind address (default 127.0.0.1; another needs MCP_CODE_MODE_TOKEN)
  --port N            HTTP port (default 8080; 0 picks a free one)
  --stateless         HTTP without sessions
  --help              show this help
  --version           print the version
`;

/** What the command line asked for, once the flags are valid. */
interface Options {
  transport: "stdio" | "http";
  configPath: string;
  host?: string;
  port?: number;
  stateless: boolean;
}

/** The parts every transport serves from. */
interface Runtime {
  config: Config;
  configPath: string;
  executor: Executor;
  broker: Broker;
  /** The tool calls being answered (shutdown answers them before closing transports). */
  inFlight: InFlight;
  /** A server for one MCP connection or session, serving its conversation's `scope`. */
  newServer: (scope: ClientScope) => McpServer;
  /** The saved skills folder. */
  skills: SkillStore;
}

/** Said once when `deno task start` runs at a terminal, where no MCP client is talking. */
const TERMINAL_NOTICE = "stdin is a terminal: this server speaks MCP (JSON-RPC) on stdin/stdout " +
  "and waits for an MCP client to start it; what is typed here is read as MCP messages. To try " +
  "it by hand run deno task debug --code examples/report.py (a client that starts the server " +
  'itself), or connect the MCP Inspector (README, "MCP Inspector CLI"). Ctrl-C stops it.';

/** How long shutdown waits for in-flight tool calls to be answered. */
const SHUTDOWN_GRACE_MS = 5000;
/** How long the shutdown waits for the audit log's last lines. */
const AUDIT_FLUSH_MS = 2000;

/** One step of shutting down (closing a transport, the executor, the broker…). */
type ShutdownStep = () => Promise<unknown>;

/** Runs the CLI; resolves to an exit code, or to "serving" while the server runs. */
export async function main(): Promise<number | "serving"> {
  const options = await readFlags(Deno.args);
  if (typeof options === "number") return options;
  await loadEnvFiles(envFilesFor(options.configPath));
  const loaded = await loadConfig(options.configPath);
  if (!loaded.ok) {
    log("error", loaded.message);
    return 1;
  }
  if (options.transport === "http") {
    return serveOverHttp(loaded.config, loaded.path, httpSettings(loaded.config.http, options));
  }
  const runtime = await startRuntime(loaded.config, loaded.path);
  if (typeof runtime === "number") return runtime;
  return serveOverStdio(runtime);
}

/** Parses the flags; answers --help and --version; an exit code when there is nothing to serve. */
async function readFlags(args: string[]): Promise<Options | number> {
  let flags;
  try {
    flags = parseArgs({
      args,
      options: {
        config: { type: "string" },
        transport: { type: "string" },
        host: { type: "string" },
        port: { type: "string" },
        stateless: { type: "boolean" },
        help: { type: "boolean" },
        version: { type: "boolean" },
      },
      strict: true,
    }).values;
  } catch (error) {
    log("error", `${(error as Error).message}. Run with --help for usage.`);
    return 2;
  }
  if (flags.help || flags.version) {
    await Deno.stdout.write(new TextEncoder().encode(flags.help ? USAGE : `${SERVER_VERSION}\n`));
    return 0;
  }
  const transport = flags.transport ?? "stdio";
  if (transport !== "stdio" && transport !== "http") {
    log("error", `Unknown transport "${transport}": use --transport stdio or --transport http.`);
    return 2;
  }
  if (transport === "stdio" && (flags.host || flags.port || flags.stateless)) {
    log("error", "--host, --port and --stateless apply to HTTP only: add --transport http.");
    return 2;
  }
  const port = flags.port === undefined ? undefined : Number(flags.port);
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535)) {
    log("error", `Invalid --port "${flags.port}": give a whole number from 0 to 65535.`);
    return 2;
  }
  const configPath = flags.config ?? envOr("MCP_CODE_MODE_CONFIG", "./mcp_servers.json");
  return { transport, configPath, host: flags.host, port, stateless: flags.stateless ?? false };
}

/** The configuration's HTTP settings with the command line's overrides. */
function httpSettings(configured: HttpConfig, options: Options): HttpConfig {
  return {
    ...configured,
    ...(options.host !== undefined ? { host: options.host } : {}),
    ...(options.port !== undefined ? { port: options.port } : {}),
    ...(options.stateless ? { stateless: true } : {}),
  };
}

/** Creates the workspace, starts the upstreams and the sandbox pool; an exit code on failure. */
async function startRuntime(config: Config, configPath: string): Promise<Runtime | number> {
  if (config.workspace) {
    try {
      await Deno.mkdir(config.workspace, { recursive: true });
    } catch (error) {
      const reason = (error as Error).message;
      log("error", `The workspace folder ${config.workspace} cannot be created: ${reason}`);
      return 1;
    }
  }
  const broker = await Broker.start(config.servers);
  const created = await Executor.create(config.sandbox, {
    dispatcher: broker,
    policy: config.policy,
    sessions: config.sessions,
    files: config.files,
  });
  if (!created.ok) {
    log("error", created.message);
    await broker.close();
    return 1;
  }
  const executor = created.executor;
  const skills = new SkillStore({
    dir: config.skills.dir,
    policy: config.policy,
    check: sandboxChecker(executor),
  });
  executor.useSkills(() => skills.forRun());
  await skills.start();
  const inFlight = new InFlight();
  const newServer = (scope: ClientScope) =>
    createServer({
      executor,
      broker,
      agent: config.agent,
      approval: config.approval,
      inFlight,
      skills,
    }, scope);
  return { config, configPath, executor, broker, inFlight, newServer, skills };
}

/**
 * Serves Streamable HTTP until a signal arrives. The port is bound first (a taken port is said
 * before any upstream starts); requests wait until the upstreams and the pool are started.
 */
async function serveOverHttp(
  config: Config,
  configPath: string,
  http: HttpConfig,
): Promise<number | "serving"> {
  let runtime: Runtime | undefined;
  let started: (runtime: Runtime | undefined) => void = () => {};
  const ready = new Promise<Runtime | undefined>((resolve) => (started = resolve))
    .then((r) => r ?? Promise.reject(new Error("the server failed to start")));
  ready.catch(() => {}); // answered per request
  const served = await serveHttp({
    config: http,
    createServer: (_principal, scope) => runtime!.newServer(scope),
    token: token(),
    ready,
  });
  if (!served.ok) {
    log("error", served.message);
    return 1;
  }
  const outcome = await startRuntime(config, configPath);
  if (typeof outcome === "number") {
    started(undefined);
    await served.server.close();
    return outcome;
  }
  started(runtime = outcome);
  const steps = [
    () => Promise.resolve(runtime.broker.stopping()),
    () => answerInFlight(runtime),
    () => served.server.close(),
    () => closeRuntime(runtime),
  ];
  stopOn(shutdown(steps), { stdin: false });
  const auth = token() ? "bearer token required" : "no token";
  const mode = http.stateless ? "stateless" : "sessions";
  log(
    "info",
    `Serving MCP over HTTP at ${served.server.url} (${mode}, ${auth}, config ` +
      `${runtime.configPath}, pool of ${runtime.config.sandbox.pool_size}).`,
  );
  return "serving"; // until a signal arrives
}

/** Serves stdio until stdin ends or a signal arrives; the connection is one {@link ClientScope}. */
async function serveOverStdio(runtime: Runtime): Promise<"serving"> {
  const scope = new ClientScope({ transport: "stdio" });
  const server = runtime.newServer(scope);
  const stop = shutdown([
    () => Promise.resolve(runtime.broker.stopping()),
    () => answerInFlight(runtime),
    () => closeRuntime(runtime),
    () => server.close(),
  ]);
  stopOn(stop, { stdin: true });
  const onfatal = (reason: string) => {
    log("error", `Stopping: ${reason}.`);
    void stop(reason, 1);
  };
  const transport = new BoundedStdioServerTransport({ onfatal });
  // Set before connect: the SDK chains its own close handling after this one.
  transport.onclose = () => void scope.close();
  await server.connect(transport);
  log(
    "info",
    `Serving MCP over stdio (config ${runtime.configPath}, pool of ` +
      `${runtime.config.sandbox.pool_size}).`,
  );
  if (Deno.stdin.isTerminal()) log("info", TERMINAL_NOTICE);
  return "serving"; // until stdin ends or a signal arrives
}

/**
 * Ends every running and queued execution with SHUTTING_DOWN (and `run_agent` with it) and waits,
 * at most {@link SHUTDOWN_GRACE_MS}, until each in-flight tool call has its answer sent.
 */
async function answerInFlight(runtime: Runtime): Promise<void> {
  runtime.inFlight.stop();
  await runtime.executor.close();
  if (!(await runtime.inFlight.drained(SHUTDOWN_GRACE_MS))) {
    log("warn", `${runtime.inFlight.count} tool calls were still unanswered at shutdown.`);
  }
}

/** Closes the sandbox pool and the upstream connections, then writes out the audit log. */
async function closeRuntime(runtime: Runtime): Promise<void> {
  runtime.skills.close();
  await Promise.all([runtime.executor.close(), runtime.broker.close()]);
  await AuditLog.flushAll(AUDIT_FLUSH_MS);
}

/**
 * The one shutdown of every transport: logs why, runs `steps` in order (once, however many
 * signals arrive; a failing step is logged and the next still runs), then exits with `code` (0).
 */
function shutdown(steps: ShutdownStep[]): (why: string, code?: number) => Promise<void> {
  let stopping: Promise<void> | undefined;
  return (why, code = 0) => {
    stopping ??= (async () => {
      log("info", `Shutting down (${why}).`);
      for (const step of steps) {
        await step().catch((error) => log("warn", `While shutting down: ${errorText(error)}`));
      }
    })();
    return stopping.then(() => Deno.exit(code));
  };
}

/** Calls `stop` on SIGINT and SIGTERM, and (for stdio) when stdin ends. */
function stopOn(stop: (why: string) => Promise<void>, { stdin }: { stdin: boolean }): void {
  Deno.addSignalListener("SIGINT", () => stop("SIGINT"));
  Deno.addSignalListener("SIGTERM", () => stop("SIGTERM"));
  if (!stdin) return;
  process.stdin.on("end", () => stop("stdin closed"));
  process.stdin.on("close", () => stop("stdin closed"));
}

function token(): string {
  return envOr("MCP_CODE_MODE_TOKEN", "");
}

function envOr(name: string, fallback: string): string {
  try {
    return Deno.env.get(name) || fallback;
  } catch {
    return fallback;
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

if (import.meta.main) {
  const outcome = await main();
  if (outcome !== "serving") Deno.exit(outcome);
}
