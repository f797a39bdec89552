/**
 * Renders docs/configuration_reference.md from the zod schema of `mcp_servers.json`
 * (`src/config.ts` and each section's `*_config.ts`): every key with its type, default and the
 * text of its `.describe()`, one table per section, formatted by `deno fmt`. So the reference
 * cannot drift from the code: `tests/docs_test.ts` fails when the committed file differs from what
 * this renders, or when a key has no description.
 *
 * `deno task docs` writes the file; `deno task docs --check` only compares (exit 1 on a difference).
 */
import { z } from "zod";
import { ConfigSchema } from "../src/config.ts";

/** A JSON Schema node, as `z.toJSONSchema` produces it (the parts read here). */
interface Node {
  type?: string;
  description?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  format?: string;
  minimum?: number;
  maximum?: number;
  items?: Node;
  properties?: Record<string, Node>;
  additionalProperties?: Node | boolean;
  anyOf?: Node[];
}

/** The file this script renders, relative to the project root. */
export const REFERENCE_PATH = "docs/configuration_reference.md";

/** Defaults that depend on the machine, so the schema's value would differ between machines. */
const DEFAULT_TEXT: Record<string, string> = {
  "sandbox.max_concurrent": "number of cores, at least 2",
};

/** Keys whose schema is a transform (JSON Schema cannot show its type). */
const TYPE_TEXT: Record<string, string> = {
  "approve": '`"none"` \\| `"destructive"` \\| `"writes"` \\| string[]',
};

/** Defaults longer than this are listed under the table instead of in it. */
const LONG_DEFAULT = 40;

/** The configuration schema as JSON Schema (input side: what one writes in the file). */
export function configJsonSchema(): Node {
  return z.toJSONSchema(ConfigSchema, { io: "input", unrepresentable: "any" }) as Node;
}

/** Every key (dotted path, `servers.<name>` for a server) that has no description. */
export function missingDescriptions(schema: Node = configJsonSchema()): string[] {
  const missing: string[] = [];
  const walk = (node: Node, path: string): void => {
    for (const [key, child] of Object.entries(node.properties ?? {})) {
      const at = path ? `${path}.${key}` : key;
      if (!child.description?.trim()) missing.push(at);
      walk(child, at);
    }
    for (const branch of node.anyOf ?? []) walk(branch, path);
    if (typeof node.additionalProperties === "object") {
      walk(node.additionalProperties, `${path}.<name>`);
    }
  };
  walk(schema, "");
  return [...new Set(missing)];
}

/** One table row: the key (dotted below its section) and its schema. */
type Row = { key: string; node: Node };

/** The rows of an object's keys; a nested object with keys becomes rows of `key.sub`. */
function rows(node: Node, prefix = ""): Row[] {
  return Object.entries(node.properties ?? {}).flatMap(([key, child]) => {
    const row = { key: prefix + key, node: child };
    return child.properties ? [row, ...rows(child, `${prefix}${key}.`)] : [row];
  });
}

function typeText(node: Node, key: string): string {
  const override = TYPE_TEXT[key.split(".").at(-1) ?? key];
  if (override) return override;
  if (node.enum) return node.enum.map((v) => `\`${JSON.stringify(v)}\``).join(" \\| ");
  if (node.const !== undefined) return `\`${JSON.stringify(node.const)}\``;
  if (node.type === "array") return `${node.items ? typeText(node.items, "") : "any"}[]`;
  if (node.anyOf) return "server (below)";
  if (node.type === "object") {
    const values = node.additionalProperties;
    if (typeof values === "object") return `object of ${typeText(values, "")}`;
    return node.properties ? "object (below)" : "object";
  }
  if (node.format === "uri") return "URL";
  if (node.type === "integer" || node.type === "number") {
    const range = node.minimum !== undefined && node.maximum !== undefined
      ? ` ${node.minimum}–${node.maximum}`
      : "";
    return `${node.type}${range}`;
  }
  return node.type ?? "any";
}

function defaultText(node: Node, path: string): string {
  if (DEFAULT_TEXT[path]) return DEFAULT_TEXT[path];
  // A section's default is its keys' defaults, listed in its own table.
  if (node.default === undefined || node.properties) return "";
  const json = JSON.stringify(node.default);
  return json.length > LONG_DEFAULT ? "(below)" : `\`${json}\``;
}

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/</g, "\\<").replace(/\n/g, " ");
}

/** A section's table, then its long defaults spelled out. */
function table(section: string, list: Row[]): string {
  const lines = ["| key | type | default | meaning |", "| --- | --- | --- | --- |"];
  const long: string[] = [];
  for (const { key, node } of list) {
    const path = section ? `${section}.${key}` : key;
    const deflt = defaultText(node, path);
    if (deflt === "(below)") {
      const values = Array.isArray(node.default)
        ? node.default.map((v) => `\`${String(v)}\``).join(", ")
        : `\`${JSON.stringify(node.default)}\``;
      long.push(`Default \`${key}\`: ${values}.`);
    }
    const type = typeText(node, key);
    lines.push(
      `| \`${key}\` | ${type} | ${cell(deflt)} | ${cell(node.description ?? "")} |`,
    );
  }
  return [lines.join("\n"), ...long].join("\n\n");
}

function serverTables(servers: Node): string[] {
  const values = servers.additionalProperties;
  const [stdio, http] = typeof values === "object" ? values.anyOf ?? [] : [];
  if (!stdio || !http) throw new Error("servers: expected a stdio and an HTTP branch");
  const common = rows(stdio).filter(({ key }) =>
    JSON.stringify(rows(http).find((r) => r.key === key)?.node) ===
      JSON.stringify(rows(stdio).find((r) => r.key === key)?.node)
  );
  const own = (branch: Node) => rows(branch).filter((r) => !common.some((c) => c.key === r.key));
  return [
    "## `servers.<name>`\n\nEach entry is one upstream MCP server: a stdio server (with `command`) " +
    "or an HTTP server (with `url`). Keys every server takes:",
    table("servers.<name>", common),
    "A stdio server (started as a child process):",
    table("servers.<name>", own(stdio)),
    "An HTTP server:",
    table("servers.<name>", own(http)),
  ];
}

/** The whole reference page, formatted as `deno fmt` would. */
export async function renderConfigReference(): Promise<string> {
  const schema = configJsonSchema();
  const top = schema.properties ?? {};
  const parts = [
    "# Configuration reference",
    "<!-- Generated by `deno task docs` (scripts/config_reference.ts) from the zod schema; do not " +
    "edit: change the `.describe()` text in src/ and run `deno task docs`. -->",
    "Every key of `mcp_servers.json`, from the schema the server validates it with " +
    "(`src/config.ts` and each section's `*_config.ts`). Every key is optional unless a server " +
    "needs it (`command` or `url`). [configuration.md](configuration.md) explains how the file " +
    "is found, `${VAR}` expansion and relative paths.",
    "## Top level",
    table("", Object.entries(top).map(([key, node]) => ({ key, node }))),
    ...serverTables(top.servers),
  ];
  for (const [section, node] of Object.entries(top)) {
    if (!node.properties) continue;
    parts.push(`## \`${section}\``, node.description ?? "", table(section, rows(node)));
  }
  return await formatMarkdown(parts.filter(Boolean).join("\n\n") + "\n");
}

/** Formats markdown with the project's `deno fmt` settings. */
async function formatMarkdown(text: string): Promise<string> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["fmt", "--ext=md", "--line-width=100", "-"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(text));
  await writer.close();
  const out = await child.output();
  if (!out.success) throw new Error(`deno fmt failed: ${new TextDecoder().decode(out.stderr)}`);
  return new TextDecoder().decode(out.stdout);
}

if (import.meta.main) {
  const path = new URL(`../${REFERENCE_PATH}`, import.meta.url);
  const missing = missingDescriptions();
  if (missing.length) {
    console.error(`Config keys without a .describe() text: ${missing.join(", ")}; add one.`);
    Deno.exit(1);
  }
  const text = await renderConfigReference();
  if (Deno.args.includes("--check")) {
    const committed = await Deno.readTextFile(path).catch(() => "");
    if (committed !== text) {
      console.error(`${REFERENCE_PATH} is out of date; run \`deno task docs\`.`);
      Deno.exit(1);
    }
    console.error(`${REFERENCE_PATH} is up to date.`);
  } else {
    await Deno.writeTextFile(path, text);
    console.error(`Wrote ${REFERENCE_PATH}.`);
  }
}
