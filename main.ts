/**
 * Command-line entry of MCP Code Mode: reads flags and the configuration, prepares the Python
 * sandbox, and serves MCP over stdio until stdin ends, or over Streamable HTTP, until a signal
 * arrives.
 */
import process from "node:process";
import { parseArgs } from "node:util";
import { StdioServerTransport } from "./src/mcp_sdk.ts";
import { Broker } from "./src/broker/broker.ts";
import { loadConfig } from "./src/config.ts";
import { bindRefusal } from "./src/http/guards.ts";
import { serveHttp } from "./src/http/http_server.ts";
import { log } from "./src/log.ts";
import { Executor } from "./src/sandbox_host/executor.ts";
import { createServer, SERVER_VERSION } from "./src/server/server.ts";

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
  --version       print the version
`;

/** Runs the CLI; resolves to an exit code, or to "serving" while the server runs. */
export async function main(): Promise<number | "serving"> {
  let flags;
  try {
    flags = parseArgs({
      args: Deno.args,
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
  if (flags.help) {
    await Deno.stdout.write(new TextEncoder().encode(USAGE));
    return 0;
  }
  if (flags.version) {
    await Deno.stdout.write(new TextEncoder().encode(`${SERVER_VERSION}\n`));
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
  const path = flags.config ?? envOr("MCP_CODE_MODE_CONFIG", "./mcp_servers.json");
  const loaded = await loadConfig(path);
  if (!loaded.ok) {
    log("error", loaded.message);
    return 1;
  }
  const http = {
    ...loaded.config.http,
    ...(flags.host !== undefined ? { host: flags.host } : {}),
    ...(port !== undefined ? { port } : {}),
    ...(flags.stateless ? { stateless: true } : {}),
  };
  const refusal = transport === "http"
    ? bindRefusal(http.host, envOr("MCP_CODE_MODE_TOKEN", ""))
    : undefined;
  if (refusal) {
    log("error", refusal);
    return 1;
  }
  if (loaded.config.workspace) {
    try {
      await Deno.mkdir(loaded.config.workspace, { recursive: true });
    } catch (error) {
      log(
        "error",
        `The workspace folder ${loaded.config.workspace} cannot be created: ${
          (error as Error).message
        }`,
      );
      return 1;
    }
  }
  const broker = await Broker.start(loaded.config.servers);
  const created = await Executor.create(loaded.config.sandbox, {
    dispatcher: broker,
    policy: loaded.config.policy,
  });
  if (!created.ok) {
    log("error", created.message);
    await broker.close();
    return 1;
  }
  const executor = created.executor;
  const newServer = () => createServer({ executor, broker, agent: loaded.config.agent });

  if (transport === "http") {
    const served = serveHttp({
      config: http,
      createServer: newServer,
      token: envOr("MCP_CODE_MODE_TOKEN", ""),
    });
    if (!served.ok) {
      log("error", served.message);
      await Promise.all([executor.close(), broker.close()]);
      return 1;
    }
    let stopping: Promise<void> | undefined;
    const stop = (why: string) => {
      stopping ??= (async () => {
        log("info", `Shutting down (${why}).`);
        await served.server.close();
        await Promise.all([executor.close(), broker.close()]);
      })();
      return stopping.then(() => Deno.exit(0));
    };
    Deno.addSignalListener("SIGINT", () => stop("SIGINT"));
    Deno.addSignalListener("SIGTERM", () => stop("SIGTERM"));
    const auth = envOr("MCP_CODE_MODE_TOKEN", "") ? "bearer token required" : "no token";
    log(
      "info",
      `Serving MCP over HTTP at ${served.server.url} (${
        http.stateless ? "stateless" : "sessions"
      }, ` +
        `${auth}, config ${loaded.path}, pool of ${loaded.config.sandbox.pool_size}).`,
    );
    return "serving"; // until a signal arrives
  }

  const server = newServer();
  let stopping: Promise<void> | undefined;
  const shutdown = (why: string) => {
    stopping ??= (async () => {
      log("info", `Shutting down (${why}).`);
      await Promise.all([executor.close(), broker.close()]);
      await server.close().catch(() => {});
    })();
    return stopping;
  };
  const exitAfter = (why: string) => shutdown(why).then(() => Deno.exit(0));
  Deno.addSignalListener("SIGINT", () => exitAfter("SIGINT"));
  Deno.addSignalListener("SIGTERM", () => exitAfter("SIGTERM"));
  process.stdin.on("end", () => exitAfter("stdin closed"));
  process.stdin.on("close", () => exitAfter("stdin closed"));

  await server.connect(new StdioServerTransport());
  log(
    "info",
    `Serving MCP over stdio (config ${loaded.path}, pool of ${loaded.config.sandbox.pool_size}).`,
  );
  return "serving"; // until stdin ends or a signal arrives
}

function envOr(name: string, fallback: string): string {
  try {
    return Deno.env.get(name) || fallback;
  } catch {
    return fallback;
  }
}

if (import.meta.main) {
  const outcome = await main();
  if (outcome !== "serving") Deno.exit(outcome);
}
