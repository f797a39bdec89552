/**
 * Renders an upstream tool as a Python stub for the model: a keyword-only signature with types
 * from the tool's `inputSchema` (required before optional, enums as `Literal`, arrays as `list`,
 * nested objects as `dict` with their keys documented) and the return shape from `outputSchema`
 * (`{"content": str}`, nested a few levels, then `dict`), plus a docstring from the descriptions
 * that says what Python receives when there is no `outputSchema`. The same text is what `help()`
 * prints inside the sandbox. Also the one-line form `search_tools` shows.
 */
import {
  asObject,
  firstSentence,
  IDENTIFIER,
  type JsonSchema,
  oneLine,
  pyLiteral,
  pyType,
  returnShape,
  withNone,
} from "./python_types.ts";

export { type JsonSchema, pyLiteral, pyType, returnShape } from "./python_types.ts";

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

function indent(text: string, pad: string): string {
  return text.split("\n").map((line) => (line ? pad + line : line)).join("\n");
}

function escapeDoc(text: string): string {
  return text.replaceAll("\\", "\\\\").replaceAll('"""', '\\"\\"\\"');
}
