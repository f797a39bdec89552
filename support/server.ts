/**
 * Test support: starts the real server (`main.ts`, with the permission flags of `deno task start`)
 * as a subprocess and talks to it through the real MCP SDK client over stdio.
 */
import { Client, StdioClientTransport } from "../src/mcp_sdk.ts";
import { taskFlags } from "../scripts/task_flags.ts";
import { waitForExit } from "./processes.ts";
import type { ExecResult } from "../src/contracts.ts";

/** Absolute path of a file in the project. */
export const root = decodeURIComponent(new URL("../", import.meta.url).pathname);

/** A started server and its client. */
export interface TestServer {
  client: Client;
  transport: StdioClientTransport;
  /** The server process id. */
  pid: number;
  /** Everything the server wrote to stderr so far. */
  stderr: () => string;
  /** Closes the client (stdin of the server) and waits for the process to end. */
  close: () => Promise<void>;
}

/** Options for {@link startServer}. */
export interface StartOptions {
  /** Config object written to a file for `--config`. */
  config?: Record<string, unknown>;
  /** Extra environment of the server process. */
  env?: Record<string, string>;
  /** Extra `deno run` flags (e.g. `--allow-net=…` for HTTP upstreams). */
  flags?: string[];
  /** An existing config file, used as it is (instead of `config`). */
  configPath?: string;
  /** Working directory of the server process (default: the project folder). */
  cwd?: string;
  /** Capabilities the client declares (e.g. `{ elicitation: {} }`). */
  capabilities?: Record<string, unknown>;
}

/**
 * Writes a config file under .cache/tests and returns its path (relative to the root). Without a
 * `skills` section the config gets a skills folder of its own (`.cache/tests/skills-<id>`, made
 * only when a skill is saved), so no test sees another's skills.
 */
export function writeConfig(config: Record<string, unknown>): string {
  Deno.mkdirSync(`${root}.cache/tests`, { recursive: true });
  const id = crypto.randomUUID();
  const path = `.cache/tests/config-${id}.json`;
  const own = "skills" in config ? config : { ...config, skills: { dir: `./skills-${id}` } };
  Deno.writeTextFileSync(`${root}${path}`, JSON.stringify(own));
  return path;
}

/**
 * The environment that keeps a test off the user's folders: the committed config's workspace and
 * skills folder (`MCP_CODE_MODE_WORKSPACE`, `MCP_CODE_MODE_SKILLS`) point at a fresh temporary
 * folder unless the test sets them; `remove` deletes it.
 */
export function isolatedEnv(
  env: Record<string, string> = {},
): { env: Record<string, string>; remove: () => Promise<void> } {
  const dir = Deno.makeTempDirSync({ prefix: "mcm-test-home-" });
  return {
    env: {
      MCP_CODE_MODE_WORKSPACE: `${dir}/workspace`,
      MCP_CODE_MODE_SKILLS: `${dir}/skills`,
      ...env,
    },
    remove: () => Deno.remove(dir, { recursive: true }).catch(() => {}),
  };
}

/** Starts the server with `config` and connects a client. */
export async function startServer(options: StartOptions = {}): Promise<TestServer> {
  const written = options.configPath
    ? undefined
    : writeConfig(options.config ?? { sandbox: { pool_size: 2 } });
  const configPath = options.configPath ?? `${root}${written}`;
  const isolated = isolatedEnv(options.env);
  const transport = new StdioClientTransport({
    command: Deno.execPath(),
    args: [
      "run",
      ...taskFlags("start"),
      ...(options.flags ?? []),
      `${root}main.ts`,
      "--config",
      configPath,
    ],
    cwd: options.cwd ?? root,
    env: { ...Deno.env.toObject(), ...isolated.env },
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (chunk: Uint8Array) => stderr += new TextDecoder().decode(chunk));
  const client = new Client(
    { name: "test-client", version: "1.0.0" },
    options.capabilities ? { capabilities: options.capabilities } : undefined,
  );
  await client.connect(transport);
  const pid = transport.pid!;
  return {
    client,
    transport,
    pid,
    stderr: () => stderr,
    close: async () => {
      await client.close();
      await waitForExit(pid, 10_000);
      if (written) {
        await Deno.remove(`${root}${written}`).catch(() => {});
        const skills = written.replace(/config-(.*)\.json$/, "skills-$1");
        await Deno.remove(`${root}${skills}`, { recursive: true }).catch(() => {});
      }
      await isolated.remove();
    },
  };
}

/**
 * Calls `execute_code` and returns the structured result plus the text block; with `onprogress` the
 * request carries a progress token and each progress notification is passed on.
 */
export async function execute(
  server: TestServer,
  code: string,
  timeout_ms?: number,
  options: { onprogress?: (progress: { progress: number; message?: string }) => void } = {},
): Promise<ExecResult & { text: string; isError: boolean }> {
  const response = await server.client.callTool(
    { name: "execute_code", arguments: { code, ...(timeout_ms ? { timeout_ms } : {}) } },
    undefined,
    { timeout: 120_000, ...options },
  );
  const content = response.content as Array<{ type: string; text: string }>;
  return {
    ...(response.structuredContent as unknown as ExecResult),
    text: content[0]?.text ?? "",
    isError: response.isError === true,
  };
}

/** Starts a server with `options`, runs `fn` with it, and closes it whatever happens. */
export async function withServer(
  options: StartOptions,
  fn: (server: TestServer) => Promise<void>,
): Promise<void> {
  const server = await startServer(options);
  try {
    await fn(server);
  } finally {
    await server.close();
  }
}
