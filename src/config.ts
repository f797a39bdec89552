/**
 * The configuration file (`mcp_servers.json`): its zod schema, `${VAR}` / `${VAR:-default}`
 * expansion from the environment, and loading with errors that name the file, the JSON path and
 * the fix.
 */
import { z } from "zod";
import { AgentConfigSchema } from "./agent/agent_config.ts";
import { HttpConfigSchema } from "./http/http_config.ts";
import { PolicyConfigSchema } from "./policy/policy_config.ts";

const MiB = 1024 * 1024;

/** Limits and pool settings of the Python sandbox. */
export const SandboxConfigSchema = z.object({
  pool_size: z.number().int().min(0).max(32).default(2)
    .describe("Warm children kept ready; 0 spawns one per execution (cold)."),
  timeout_ms: z.number().int().min(100).max(600_000).default(30_000)
    .describe("Default wall-clock limit of one execution."),
  max_timeout_ms: z.number().int().min(100).max(3_600_000).default(300_000)
    .describe("Largest timeout_ms a caller may ask for."),
  memory_mb: z.number().int().min(64).max(4096).default(512)
    .describe("Cap on Python's WebAssembly memory."),
  rss_limit_mb: z.number().int().min(128).max(16384).default(1536)
    .describe("Resident memory of a child past which the host kills it."),
  output_bytes: z.number().int().min(1024).max(16 * MiB).default(64 * 1024)
    .describe("stdout+stderr kept per execution; the rest is cut with a marker."),
  output_hard_bytes: z.number().int().min(1024).max(256 * MiB).default(4 * MiB)
    .describe("Output after which the execution is stopped with OUTPUT_LIMIT."),
  result_bytes: z.number().int().min(1024).max(16 * MiB).default(64 * 1024)
    .describe("Size of the serialised return value kept."),
  max_tool_calls: z.number().int().min(0).max(100_000).default(200)
    .describe("Tool calls allowed per execution (TOOL_CALL_LIMIT past it)."),
  start_timeout_ms: z.number().int().min(1000).max(600_000).default(60_000)
    .describe("How long a child may take to load Pyodide."),
  wasm_optimizing_compiler: z.boolean().default(false)
    .describe("Let V8 optimise hot interpreter code: faster long computations, slower short runs."),
  use_snapshot: z.boolean().default(true)
    .describe("Start children from the memory snapshot (false only to measure cold starts)."),
  cache_dir: z.string().min(1).optional()
    .describe("Where the Pyodide memory snapshot is cached (default: .cache in the project)."),
}).strict();

/** Sandbox settings with defaults applied. */
export type SandboxConfig = z.infer<typeof SandboxConfigSchema>;

const ToolFilterSchema = z.object({
  allow: z.array(z.string().min(1)).optional(),
  deny: z.array(z.string().min(1)).optional(),
}).strict();

const CommonServerFields = {
  description: z.string().optional(),
  enabled: z.boolean().default(true),
  tools: ToolFilterSchema.optional(),
  timeout_ms: z.number().int().min(100).max(600_000).optional(),
};

/** An upstream MCP server run as a child process over stdio. */
export const StdioServerSchema = z.object({
  type: z.literal("stdio").optional(),
  command: z.string().min(1),
  args: z.array(z.string()).default([]),
  env: z.record(z.string(), z.string()).optional(),
  cwd: z.string().optional(),
  ...CommonServerFields,
}).strict();

/** An upstream MCP server reached over HTTP (Streamable HTTP, SSE fallback). */
export const HttpServerSchema = z.object({
  type: z.enum(["http", "streamable-http", "sse"]).optional(),
  url: z.url(),
  headers: z.record(z.string(), z.string()).optional(),
  ...CommonServerFields,
}).strict();

/** One upstream server entry. */
export const ServerSchema = z.union([StdioServerSchema, HttpServerSchema]);

/** The whole file. */
export const ConfigSchema = z.object({
  $schema: z.string().optional(),
  workspace: z.string().min(1).optional()
    .describe("A folder created at start if missing (for the servers that work in it)."),
  servers: z.record(z.string().min(1), ServerSchema).default({}),
  sandbox: SandboxConfigSchema.default(SandboxConfigSchema.parse({})),
  agent: AgentConfigSchema.default(AgentConfigSchema.parse({})),
  policy: PolicyConfigSchema.default(() => PolicyConfigSchema.parse({})),
  http: HttpConfigSchema.default(() => HttpConfigSchema.parse({})),
}).strict();

/** The configuration with defaults applied. */
export type Config = z.infer<typeof ConfigSchema>;
/** One upstream server's configuration. */
export type ServerConfig = z.infer<typeof ServerSchema>;

/** Result of loading the configuration. */
export type ConfigResult = { ok: true; config: Config; path: string } | {
  ok: false;
  message: string;
};

/** Options for {@link loadConfig}. */
export interface LoadConfigOptions {
  /** Environment used for `${VAR}` expansion (default: `Deno.env`). */
  env?: (name: string) => string | undefined;
}

/** Reads, expands and validates a configuration file; never throws. */
export async function loadConfig(
  path: string,
  options: LoadConfigOptions = {},
): Promise<ConfigResult> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    return { ok: false, message: readFailure(path, error) };
  }
  return parseConfig(text, { ...options, path });
}

/** Parses configuration text (the JSON of `mcp_servers.json`); never throws. */
export function parseConfig(
  text: string,
  options: LoadConfigOptions & { path?: string } = {},
): ConfigResult {
  const path = options.path ?? "<config>";
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return {
      ok: false,
      message: `Config file ${path} is not valid JSON (${
        (error as Error).message
      }); fix the syntax.`,
    };
  }
  if (isRecord(raw) && "mcpServers" in raw) {
    if ("servers" in raw) {
      return {
        ok: false,
        message: `Config file ${path} has both "servers" and "mcpServers"; keep one of them.`,
      };
    }
    const { mcpServers, ...rest } = raw;
    raw = { ...rest, servers: mcpServers };
  }
  const env = options.env ?? ((name: string) => Deno.env.get(name));
  const expanded = expand(raw, env, []);
  if (!expanded.ok) return { ok: false, message: `Config file ${path}: ${expanded.message}` };
  const parsed = ConfigSchema.safeParse(expanded.value);
  if (!parsed.success) {
    const lines = parsed.error.issues.slice(0, 5).map((issue) => describeIssue(issue));
    return { ok: false, message: `Config file ${path} is invalid:\n${lines.join("\n")}` };
  }
  return { ok: true, config: parsed.data, path };
}

function readFailure(path: string, error: unknown): string {
  if (error instanceof Deno.errors.NotFound) {
    return `Config file ${path} was not found; create it (see README, "Configuring servers") ` +
      "or pass --config PATH.";
  }
  if (error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied) {
    return `Config file ${path} cannot be read (${(error as Error).message}); ` +
      "keep it inside the project folder or grant --allow-read for it.";
  }
  return `Config file ${path} cannot be read: ${(error as Error).message}`;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const where = issue.path.length ? issue.path.map(String).join(".") : "(top level)";
  let hint = issue.message;
  if (issue.code === "unrecognized_keys") {
    hint = `unknown key(s) ${issue.keys.map((k) => `"${k}"`).join(", ")}; remove or rename them`;
  } else if (issue.code === "invalid_union" && issue.path[0] === "servers") {
    // The branch (stdio or HTTP) whose defining key is present explains the mistake best.
    const branch = issue.errors.find((errors) =>
      !errors.some((e) =>
        e.code === "invalid_type" && ["command", "url"].includes(String(e.path[0]))
      )
    );
    if (branch?.[0]) {
      return describeIssue({ ...branch[0], path: [...issue.path, ...branch[0].path] });
    }
    hint = 'a server needs either "command" (stdio, with optional args/env/cwd) or "url" (HTTP, ' +
      "with optional headers)";
  }
  return `  at ${where}: ${hint}`;
}

type Expanded = { ok: true; value: unknown } | { ok: false; message: string };

const VAR_PATTERN = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

function expand(
  value: unknown,
  env: (name: string) => string | undefined,
  path: string[],
): Expanded {
  if (typeof value === "string") {
    let missing: string | undefined;
    const out = value.replace(VAR_PATTERN, (_all, name: string, fallback?: string) => {
      const found = env(name);
      if (found !== undefined && found !== "") return found;
      if (fallback !== undefined) return fallback;
      missing ??= name;
      return "";
    });
    if (missing !== undefined) {
      return {
        ok: false,
        message: `at ${path.join(".") || "(top level)"}: environment variable ${missing} is not ` +
          `set; set it (or in .env), or write \${${missing}:-default}.`,
      };
    }
    return { ok: true, value: out };
  }
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const [i, item] of value.entries()) {
      const r = expand(item, env, [...path, String(i)]);
      if (!r.ok) return r;
      out.push(r.value);
    }
    return { ok: true, value: out };
  }
  if (isRecord(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const r = expand(item, env, [...path, key]);
      if (!r.ok) return r;
      out[key] = r.value;
    }
    return { ok: true, value: out };
  }
  return { ok: true, value };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
