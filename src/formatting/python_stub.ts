/**
 * Renders an upstream tool as a Python stub for the model: a keyword-only signature with types
 * from the tool's `inputSchema` (required before optional, enums as `Literal`, arrays as `list`,
 * nested objects as `dict` with their keys documented) and the return shape from `outputSchema`
 * (`{"content": str}`, nested a few levels, then `dict`), plus a docstring from the descriptions
 * that says what Python receives when there is no `outputSchema`. The same text is what `help()`
 * prints inside the sandbox. Also the one-line form `search_tools` shows.
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
/** Longest return shape in a stub's signature; deeper levels become `dict` until it fits. */
const RETURN_CHARS = 160;
/** What Python receives from a tool without an `outputSchema` (see `src/broker/result_mapping.ts`). */
export const UNTYPED_RETURN =
  "the tool's text, parsed as JSON when it is JSON, else a str; several " +
  "content items (or an image, a resource) come as a list, text as str and the rest as dicts";

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
  const returns = tool.outputSchema ? returnShape(tool.outputSchema, RETURN_CHARS) : "Any";
  const signature = `(${params.length ? "*, " + params.join(", ") : ""}) -> ${returns}`;
  const lines: string[] = [];
  const description = (tool.description ?? "").trim();
  lines.push(description || `Calls the upstream tool "${tool.name}".`);
  if (options.needsApproval) lines.push("", APPROVAL_DOC);
  if (argDocs.length) lines.push("", "Args:", ...argDocs.map((d) => d.slice(4)));
  if (tool.outputSchema) {
    const out = asObject(tool.outputSchema);
    // The keys again, with their descriptions, when the shape leaves something out.
    const keys = returns.includes("dict") || JSON.stringify(out).includes('"description"')
      ? objectKeysDoc(out, "        ", 0)
      : [];
    lines.push(
      "",
      "Returns:",
      `    ${returns}${out.description ? ": " + oneLine(String(out.description)) : ""}`,
      ...(returns.includes('?"') ? ['        (a key ending in "?" may be missing)'] : []),
      ...keys,
    );
  } else lines.push("", "Returns:", `    Any: ${UNTYPED_RETURN}.`);
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

/** Options for {@link renderLine}. */
export interface LineOptions {
  /** Python identifier of the function. */
  pyName: string;
  /** Leave the return shape out (the server's header states it). */
  omitReturn?: boolean;
  /** Add the short summary (a deprecated tool always gets its note). */
  summary?: boolean;
  /** A person must approve each call: the line says `# needs approval`. */
  needsApproval?: boolean;
}

/** Longest return shape on a search line. */
const LINE_RETURN_CHARS = 60;
/** Longest summary on a search line, in characters. */
const LINE_SUMMARY_CHARS = 60;

/**
 * One compact line for `search_tools`: `name(path: str, head: int=None) -> {"content": str} #
 * summary`. Keyword-only is implied (every tool is called with keywords); a deprecated tool's
 * summary is its deprecation note.
 */
export function renderLine(tool: StubTool, options: LineOptions): string {
  const input = asObject(tool.inputSchema);
  const properties = asObject(input.properties);
  const required = new Set(Array.isArray(input.required) ? input.required.map(String) : []);
  const names = Object.keys(properties);
  const params = [...names.filter((n) => required.has(n)), ...names.filter((n) => !required.has(n))]
    .map((name) => {
      const schema = asObject(properties[name]);
      const label = IDENTIFIER.test(name) ? name : JSON.stringify(name);
      if (required.has(name)) return `${label}: ${pyType(schema, 0)}`;
      const fallback = schema.default !== undefined ? pyLiteral(schema.default) : "None";
      return `${label}: ${pyType(schema, 0)}=${fallback}`;
    });
  const returns = options.omitReturn ? "" : ` -> ${lineReturn(tool)}`;
  const summary = deprecationNote(tool) ?? (options.summary ? lineSummary(tool) : "");
  const note = [options.needsApproval ? APPROVAL_MARK.slice(2) : "", summary].filter(Boolean)
    .join("; ");
  return `${options.pyName}(${params.join(", ")})${returns}${note ? ` # ${note}` : ""}`;
}

/**
 * The summary a search line may carry: the first sentence up to its first clause (`Read the
 * complete contents of a file`, not `… from the file system as text`), at most 60 characters.
 */
export function lineSummary(tool: StubTool): string {
  let text = firstSentence(tool.description ?? "").replace(/[.!?…]$/, "");
  const clause = text.slice(12).search(/[,;:(]| (?:in|from|with|that|which|using|by) /);
  if (clause >= 0) text = text.slice(0, clause + 12);
  if (text.length > LINE_SUMMARY_CHARS) {
    text = text.slice(0, text.lastIndexOf(" ", LINE_SUMMARY_CHARS));
  }
  return text.replace(/[\s,;:]+$/, "");
}

/** The return shape as a search line shows it (`Any` without an `outputSchema`). */
export function lineReturn(tool: StubTool): string {
  return tool.outputSchema ? returnShape(tool.outputSchema, LINE_RETURN_CHARS) : "Any";
}

/** Whether the tool says it is deprecated (MCP has no flag for it; descriptions say so). */
export function isDeprecated(tool: StubTool): boolean {
  return /\bdeprecated\b/i.test(
    `${(tool as { title?: string }).title ?? ""} ${tool.description ?? ""}`,
  );
}

/** `deprecated: use read_text_file instead` for a deprecated tool, else undefined. */
function deprecationNote(tool: StubTool): string | undefined {
  if (!isDeprecated(tool)) return undefined;
  const after = oneLine(tool.description ?? "").match(/\bdeprecated\b[.:,;]?\s*([^.]*)/i)?.[1];
  return `deprecated${after ? `: ${after.charAt(0).toLowerCase()}${after.slice(1)}` : ""}`;
}

/**
 * The shape of what a tool with this `outputSchema` returns, as a Python expression: objects as
 * `{"key": type}` (a key that may be missing as `"key?"`), arrays as `list[...]`, nested as deep as
 * fits in `maxChars`, deeper objects as `dict`.
 */
export function returnShape(schema: JsonSchema, maxChars: number): string {
  const root = asObject(schema);
  for (let levels = 3; levels > 0; levels--) {
    const text = shapeOf(root, levels, 0);
    if (text.length <= maxChars) return text;
  }
  return shapeOf(root, 0, 0);
}

function shapeOf(schema: Record<string, unknown>, levels: number, depth: number): string {
  if (depth > MAX_DEPTH + 3) return "Any";
  const properties = asObject(schema.properties);
  const keys = Object.keys(properties);
  const isObject = schema.type === "object" || (schema.type === undefined && keys.length > 0);
  if (isObject && keys.length && schema.enum === undefined && schema.const === undefined) {
    if (levels <= 0) return "dict";
    const required = new Set(Array.isArray(schema.required) ? schema.required.map(String) : []);
    const fields = keys.map((key) =>
      `${JSON.stringify(required.has(key) ? key : `${key}?`)}: ${
        shapeOf(asObject(properties[key]), levels - 1, depth + 1)
      }`
    );
    return `{${fields.join(", ")}}`;
  }
  const variants = (schema.anyOf ?? schema.oneOf) as unknown;
  if (Array.isArray(variants) && variants.length && schema.enum === undefined) {
    return unionShapes(variants.map((v) => shapeOf(asObject(v), levels, depth + 1)));
  }
  if (Array.isArray(schema.type)) {
    return unionShapes(schema.type.map((t) => shapeOf({ ...schema, type: t }, levels, depth)));
  }
  if (schema.type === "array") {
    const items = asObject(schema.items);
    return Object.keys(items).length ? `list[${shapeOf(items, levels, depth + 1)}]` : "list";
  }
  return pyType(schema, 0);
}

function unionShapes(shapes: string[]): string {
  const unique = [...new Set(shapes)];
  return unique.includes("Any") ? "Any" : unique.join(" | ");
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
