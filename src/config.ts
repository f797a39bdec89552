/**
 * The configuration file (`mcp_servers.json`): its zod schema, `${VAR}` / `${VAR:-default}`
 * expansion from the environment (plus `${CONFIG_DIR}`, the file's folder, and `${WORKSPACE}`),
 * relative paths resolved against the file's folder, and loading with errors that name the file,
 * the JSON path and the fix (unknown keys with a "did you mean" for near misses).
 */
import { dirname, resolve } from "node:path";
import { z } from "zod";
import { expandString, type Lookup } from "./config_expand.ts";
import { unknownKeysHint } from "./config_keys.ts";
import { AgentConfigSchema } from "./agent/agent_config.ts";
import { ApprovalConfigSchema, ApproveSchema } from "./approval/approval_config.ts";
import { HttpConfigSchema } from "./http/http_config.ts";
import { PolicyConfigSchema } from "./policy/policy_config.ts";
import { SkillsConfigSchema } from "./skills/skills_config.ts";
import { FilesConfigSchema, SessionsConfigSchema } from "./sandbox_host/sessions_config.ts";
import { SandboxConfigSchema } from "./sandbox_host/sandbox_config.ts";

export { type SandboxConfig, SandboxConfigSchema } from "./sandbox_host/sandbox_config.ts";

const MiB = 1024 * 1024;

const ToolFilterSchema = z.object({
  allow: z.array(z.string().min(1)).optional()
    .describe("Tool names or globs (write_*) to offer; when given, no other tool is offered."),
  deny: z.array(z.string().min(1)).optional()
    .describe("Tool names or globs to leave out; denied tools cannot be called."),
}).strict();

const CommonServerFields = {
  description: z.string().optional()
    .describe(
      "A few words shown in the tool index (say how the server's paths work) and used by search.",
    ),
  enabled: z.boolean().default(true).describe("false skips the server."),
  tools: ToolFilterSchema.optional().describe("Which of the server's tools are offered."),
  timeout_ms: z.number().int().min(100).max(600_000).optional()
    .describe("Connect and per-call timeout (default 30000)."),
  approve: ApproveSchema.optional(),
  max_result_bytes: z.number().int().min(1024).max(256 * MiB).default(5 * MiB)
    .describe("Largest message (a tool result) taken from this server; RESULT_TOO_LARGE past it."),
  protocol: z.enum(["auto", "legacy", "2026-07-28"]).default("auto")
    .describe(
      'MCP protocol era: "auto" probes for 2026-07-28 and falls back to the 2025 handshake; ' +
        '"legacy" uses only the 2025 handshake; "2026-07-28" requires that revision.',
    ),
};

/** An upstream MCP server run as a child process over stdio. */
export const StdioServerSchema = z.object({
  type: z.literal("stdio").optional().describe("Optional; a server with command is stdio."),
  command: z.string().min(1).describe("The program that starts the server."),
  args: z.array(z.string()).default([]).describe("Its arguments."),
  env: z.record(z.string(), z.string()).optional()
    .describe("Variables it gets, on top of a minimal default environment (not the host's)."),
  cwd: z.string().optional()
    .describe("Working folder of the server process; relative to the config file's folder."),
  ...CommonServerFields,
}).strict();

/** An upstream MCP server reached over HTTP (Streamable HTTP, SSE fallback). */
export const HttpServerSchema = z.object({
  type: z.enum(["http", "streamable-http", "sse"]).optional()
    .describe(
      'Absent: Streamable HTTP, falling back to SSE; "sse" forces SSE; "http" or ' +
        '"streamable-http" forbid the fallback.',
    ),
  url: z.url().describe("The server's MCP endpoint."),
  headers: z.record(z.string(), z.string()).optional()
    .describe("HTTP headers sent with every request, e.g. Authorization."),
  ...CommonServerFields,
}).strict();

/** One upstream server entry. */
export const ServerSchema = z.union([StdioServerSchema, HttpServerSchema]);

/** The whole file. */
export const ConfigSchema = z.object({
  $schema: z.string().optional().describe("Ignored (for editors that validate the file)."),
  workspace: z.string().min(1).optional()
    .describe(
      "A folder created at start if missing (for the servers that work in it); relative to the " +
        "config file's folder; other settings can use it as ${WORKSPACE}.",
    ),
  servers: z.record(z.string().min(1), ServerSchema).default({})
    .describe("The upstream MCP servers by name (mcpServers is accepted as an alias)."),
  sandbox: SandboxConfigSchema.default(SandboxConfigSchema.parse({}))
    .describe("The Python sandbox: the warm pool, admission and the limits of one execution."),
  agent: AgentConfigSchema.default(AgentConfigSchema.parse({}))
    .describe("run_agent's LLM (with OPENAI_API_KEY or OPENAI_BASE_URL from the environment)."),
  policy: PolicyConfigSchema.default(() => PolicyConfigSchema.parse({}))
    .describe("The guardrails checked before any code runs: size, imports, names."),
  http: HttpConfigSchema.default(() => HttpConfigSchema.parse({}))
    .describe("The Streamable HTTP transport (--transport http)."),
  approval: ApprovalConfigSchema.default(() => ApprovalConfigSchema.parse({}))
    .describe("How approvals are asked, and the audit log."),
  skills: SkillsConfigSchema.default(() => SkillsConfigSchema.parse({}))
    .describe("Where saved skills live."),
  sessions: SessionsConfigSchema.default(() => SessionsConfigSchema.parse({}))
    .describe("Sandbox sessions kept between execute_code calls."),
  files: FilesConfigSchema.default(() => FilesConfigSchema.parse({}))
    .describe("Size limits of the files an execution takes in and gives back."),
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
  const configDir = resolve(dirname(options.path ?? "x"));
  const expanded = expandConfig(raw, configDir, options.env ?? ((name) => Deno.env.get(name)));
  if (!expanded.ok) return { ok: false, message: `Config file ${path}: ${expanded.message}` };
  const parsed = ConfigSchema.safeParse(expanded.value);
  if (!parsed.success) {
    const lines = parsed.error.issues.slice(0, 5).map((issue) => describeIssue(issue));
    return { ok: false, message: `Config file ${path} is invalid:\n${lines.join("\n")}` };
  }
  return { ok: true, config: resolvePaths(parsed.data, configDir), path };
}

/**
 * Relative `workspace`, server `cwd`, `sandbox.cache_dir`, `approval.audit_log` and `skills.dir` are
 * relative to the file's folder.
 */
function resolvePaths(config: Config, configDir: string): Config {
  const servers = Object.fromEntries(
    Object.entries(config.servers).map(([name, server]) => [
      name,
      "command" in server && server.cwd
        ? { ...server, cwd: resolve(configDir, server.cwd) }
        : server,
    ]),
  );
  return {
    ...config,
    servers,
    ...(config.workspace ? { workspace: resolve(configDir, config.workspace) } : {}),
    sandbox: config.sandbox.cache_dir
      ? { ...config.sandbox, cache_dir: resolve(configDir, config.sandbox.cache_dir) }
      : config.sandbox,
    skills: { ...config.skills, dir: resolve(configDir, config.skills.dir) },
    approval: config.approval.audit_log
      ? { ...config.approval, audit_log: resolve(configDir, config.approval.audit_log) }
      : config.approval,
  };
}

function readFailure(path: string, error: unknown): string {
  if (error instanceof Deno.errors.NotFound) {
    return `Config file ${path} was not found; create it (see README, "Configuring") ` +
      "or pass --config PATH.";
  }
  if (error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied) {
    return `Config file ${path} cannot be read (${(error as Error).message}); ` +
      "grant --allow-read for it (deno task start does).";
  }
  return `Config file ${path} cannot be read: ${(error as Error).message}`;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const where = issue.path.length ? issue.path.map(String).join(".") : "(top level)";
  let hint = issue.message;
  if (issue.code === "unrecognized_keys") {
    hint = `${unknownKeysHint(ConfigSchema, issue.path, issue.keys)}; remove or rename them`;
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
    const unknown = issue.errors.flat().find((e) => e.code === "unrecognized_keys");
    hint = 'a server needs either "command" (stdio, with optional args/env/cwd) or "url" (HTTP, ' +
      "with optional headers)";
    if (unknown?.code === "unrecognized_keys") {
      hint = `${unknownKeysHint(ConfigSchema, issue.path, unknown.keys)}; ${hint}`;
    }
  }
  return `  at ${where}: ${hint}`;
}

type Expanded = { ok: true; value: unknown } | { ok: false; message: string };

const BUILTINS = new Set(["CONFIG_DIR", "WORKSPACE"]);

/**
 * Expands the whole file: `workspace` first (it may use `${CONFIG_DIR}` and the environment), then
 * everything else, where `${WORKSPACE}` is that folder, absolute. The two built-in names take
 * precedence over the environment.
 */
function expandConfig(raw: unknown, configDir: string, env: Lookup): Expanded {
  const builtins: Record<string, string> = { CONFIG_DIR: configDir };
  const lookup: Lookup = (name) => BUILTINS.has(name) ? builtins[name] : env(name);
  if (isRecord(raw) && typeof raw.workspace === "string") {
    const workspace = expand(raw.workspace, lookup, ["workspace"]);
    if (!workspace.ok) return workspace;
    builtins.WORKSPACE = resolve(configDir, String(workspace.value));
  }
  return expand(raw, lookup, []);
}

function expand(value: unknown, lookup: Lookup, path: string[]): Expanded {
  if (typeof value === "string") {
    const r = expandString(value, lookup);
    if (r.ok) return { ok: true, value: r.value };
    const where = `at ${path.join(".") || "(top level)"}`;
    if (r.missing === "WORKSPACE") {
      return {
        ok: false,
        message: `${where}: \${WORKSPACE} is the "workspace" setting, which is not set; add it.`,
      };
    }
    return {
      ok: false,
      message: `${where}: environment variable ${r.missing} is not set; set it (or in .env), ` +
        `or write \${${r.missing}:-default}.`,
    };
  }
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const [i, item] of value.entries()) {
      const r = expand(item, lookup, [...path, String(i)]);
      if (!r.ok) return r;
      out.push(r.value);
    }
    return { ok: true, value: out };
  }
  if (isRecord(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const r = expand(item, lookup, [...path, key]);
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
