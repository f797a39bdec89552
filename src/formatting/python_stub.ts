/**
 * Renders an upstream tool as a Python stub for the model: a keyword-only signature with types
 * from the tool's `inputSchema` (required before optional, enums as `Literal`, arrays as `list`,
 * nested objects as `dict` with their keys documented) and a return type from `outputSchema`, plus
 * a docstring from the descriptions. The same text is what `help()` prints inside the sandbox.
 */

/** A JSON Schema, loosely typed (upstream schemas are arbitrary). */
export type JsonSchema = Record<string, unknown> | boolean | undefined;

/** The parts of an MCP tool the stub needs. */
export interface StubTool {
  name: string;
  description?: string;
  inputSchema?: JsonSchema;
  outputSchema?: JsonSchema;
}

/** A rendered stub. */
export interface PythonStub {
  /** `(*, path: str, head: int | None = None) -> str` */
  signature: string;
  /** The docstring, without quotes. */
  doc: string;
  /** `def name(...) -> ...:` followed by the indented docstring. */
  text: string;
}

/** Options for {@link renderStub}. */
export interface StubOptions {
  /** Python identifier of the function. */
  pyName: string;
  /** Python identifier of the server namespace (for the qualified name in examples). */
  pyServer: string;
  /** A person must approve each call (marked `# needs approval`). */
  needsApproval?: boolean;
}

/** The mark of a tool whose calls a person must approve. */
export const APPROVAL_MARK = "# needs approval";
const APPROVAL_DOC = "Needs approval: a person is asked before each call; when they refuse, the " +
  "call is not made and ToolError is raised with code APPROVAL_DENIED.";

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MAX_DEPTH = 3;

/** Renders one tool as a Python stub. */
export function renderStub(tool: StubTool, options: StubOptions): PythonStub {
  const input = asObject(tool.inputSchema);
  const properties = asObject(input.properties);
  const required = new Set(Array.isArray(input.required) ? input.required.map(String) : []);
  const names = Object.keys(properties);
  const ordered = [
    ...names.filter((n) => required.has(n)),
    ...names.filter((n) => !required.has(n)),
  ];
  const params: string[] = [];
  const argDocs: string[] = [];
  let needsDict = false;
  for (const name of ordered) {
    const schema = asObject(properties[name]);
    const isRequired = required.has(name);
    const type = pyType(schema, 0);
    argDocs.push(argDoc(name, schema, isRequired, "        "));
    if (!IDENTIFIER.test(name)) {
      needsDict = true;
      continue;
    }
    if (isRequired) params.push(`${name}: ${type}`);
    else if (schema.default !== undefined) {
      params.push(`${name}: ${type} = ${pyLiteral(schema.default)}`);
    } else params.push(`${name}: ${withNone(type)} = None`);
  }
  if (needsDict || input.additionalProperties === true) params.push("**kwargs: Any");
  const returns = tool.outputSchema ? pyType(asObject(tool.outputSchema), 0) : "Any";
  const signature = `(${params.length ? "*, " + params.join(", ") : ""}) -> ${returns}`;
  const lines: string[] = [];
  const description = (tool.description ?? "").trim();
  lines.push(description || `Calls the upstream tool "${tool.name}".`);
  if (options.needsApproval) lines.push("", APPROVAL_DOC);
  if (argDocs.length) lines.push("", "Args:", ...argDocs.map((d) => d.slice(4)));
  if (tool.outputSchema) {
    const out = asObject(tool.outputSchema);
    const keys = objectKeysDoc(out, "        ", 0);
    lines.push(
      "",
      "Returns:",
      `    ${returns}${out.description ? ": " + oneLine(String(out.description)) : ""}`,
      ...keys,
    );
  }
  if (needsDict) {
    lines.push(
      "",
      `Some argument names are not Python names: pass them in a dict, ` +
        `tools.${options.pyServer}.${options.pyName}({"name-with-dash": ...}).`,
    );
  }
  lines.push(
    "",
    `Upstream tool: "${tool.name}". Call: tools.${options.pyServer}.${options.pyName}(...) ` +
      `or await tools.${options.pyServer}.${options.pyName}.aio(...).`,
  );
  const doc = lines.join("\n");
  const text = `${
    options.needsApproval ? APPROVAL_MARK + "\n" : ""
  }def ${options.pyName}${signature}:\n    """${
    indent(escapeDoc(doc), "    ").trimStart()
  }\n    """`;
  return { signature, doc, text };
}

/** One-line summary: `name(signature)` and the first sentence of the description. */
export function renderSummary(tool: StubTool, options: StubOptions): string {
  const stub = renderStub(tool, options);
  const first = firstSentence(tool.description ?? "");
  const mark = options.needsApproval ? `  ${APPROVAL_MARK}${first ? ";" : ""}` : "";
  const comment = first ? `${mark ? " " : "  # "}${first}` : "";
  return `def ${options.pyName}${stub.signature}: ...${mark}${comment}`;
}

/** The Python type annotation for a JSON Schema. */
export function pyType(schema: Record<string, unknown>, depth: number): string {
  if (depth > MAX_DEPTH) return "Any";
  if (Array.isArray(schema.enum) && schema.enum.length) {
    return `Literal[${schema.enum.map(pyLiteral).join(", ")}]`;
  }
  if (schema.const !== undefined) return `Literal[${pyLiteral(schema.const)}]`;
  const variants = (schema.anyOf ?? schema.oneOf) as unknown;
  if (Array.isArray(variants) && variants.length) {
    return union(variants.map((v) => pyType(asObject(v), depth + 1)));
  }
  if (Array.isArray(schema.allOf) && schema.allOf.length === 1) {
    return pyType(asObject(schema.allOf[0]), depth + 1);
  }
  const type = schema.type;
  if (Array.isArray(type)) return union(type.map((t) => pyType({ ...schema, type: t }, depth)));
  switch (type) {
    case "string":
      return "str";
    case "integer":
      return "int";
    case "number":
      return "float";
    case "boolean":
      return "bool";
    case "null":
      return "None";
    case "array": {
      const items = asObject(schema.items);
      return Object.keys(items).length ? `list[${pyType(items, depth + 1)}]` : "list";
    }
    case "object": {
      const extra = schema.additionalProperties;
      if (!schema.properties && extra && typeof extra === "object") {
        return `dict[str, ${pyType(asObject(extra), depth + 1)}]`;
      }
      return "dict";
    }
  }
  if (schema.properties) return "dict";
  return "Any";
}

/** A JSON value as a Python literal. */
export function pyLiteral(value: unknown): string {
  if (value === null || value === undefined) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "None";
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(pyLiteral).join(", ")}]`;
  if (typeof value === "object") {
    return `{${
      Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${pyLiteral(v)}`).join(", ")
    }}`;
  }
  return "None";
}

function argDoc(
  name: string,
  schema: Record<string, unknown>,
  required: boolean,
  pad: string,
): string {
  const type = pyType(schema, 0);
  const flags = required ? "" : ", optional";
  const description = schema.description ? `: ${oneLine(String(schema.description))}` : "";
  const defaults = schema.default !== undefined ? ` (default ${pyLiteral(schema.default)})` : "";
  return [
    `${pad}${name} (${type}${flags})${description}${defaults}`,
    ...objectKeysDoc(schema, pad + "    ", 0),
  ]
    .join("\n");
}

/** Documents the keys of an object schema (and of an array of objects), nested a few levels. */
function objectKeysDoc(schema: Record<string, unknown>, pad: string, depth: number): string[] {
  if (depth >= 2) return [];
  let target = schema;
  if (schema.type === "array") target = asObject(schema.items);
  const properties = asObject(target.properties);
  const keys = Object.keys(properties);
  if (!keys.length) return [];
  const required = new Set(Array.isArray(target.required) ? target.required.map(String) : []);
  const lines = [`${pad}${schema.type === "array" ? "each item has keys" : "keys"}:`];
  for (const key of keys) {
    const sub = asObject(properties[key]);
    const note = required.has(key) ? "" : ", optional";
    const description = sub.description ? `: ${oneLine(String(sub.description))}` : "";
    lines.push(`${pad}    ${key} (${pyType(sub, 0)}${note})${description}`);
    lines.push(...objectKeysDoc(sub, pad + "        ", depth + 1));
  }
  return lines;
}

function union(types: string[]): string {
  const unique = [...new Set(types.flatMap((t) => t.split(" | ")))];
  if (unique.includes("Any")) return "Any";
  return unique.join(" | ");
}

function withNone(type: string): string {
  return type === "Any" || type.split(" | ").includes("None") ? type : `${type} | None`;
}

function asObject(value: unknown): Record<string, unknown> {
  return value && typeof value === "object" && !Array.isArray(value)
    ? value as Record<string, unknown>
    : {};
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

function firstSentence(text: string): string {
  const line = oneLine(text);
  const end = line.search(/[.!?](\s|$)/);
  const sentence = end >= 0 ? line.slice(0, end + 1) : line;
  return sentence.length > 120 ? sentence.slice(0, 117) + "…" : sentence;
}

function indent(text: string, pad: string): string {
  return text.split("\n").map((line) => (line ? pad + line : line)).join("\n");
}

function escapeDoc(text: string): string {
  return text.replaceAll("\\", "\\\\").replaceAll('"""', '\\"\\"\\"');
}
