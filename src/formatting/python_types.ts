/**
 * JSON Schema as Python type text: annotations for arguments (`str`, `list[str]`,
 * `Literal["a", "b"]`, `int | None`) and the return shape of a tool with an `outputSchema`
 * (`{"content": str}`, nested a few levels, then `dict`), plus the small text helpers the stubs and
 * the search lines share.
 */

/** A JSON Schema, loosely typed (upstream schemas are arbitrary). */
export type JsonSchema = Record<string, unknown> | boolean | undefined;

/** A valid Python identifier. */
export const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MAX_DEPTH = 3;

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

function union(types: string[]): string {
  const unique = [...new Set(types.flatMap((t) => t.split(" | ")))];
  if (unique.includes("Any")) return "Any";
  return unique.join(" | ");
}

/** `type | None`, unless it already allows None. */
export function withNone(type: string): string {
  return type === "Any" || type.split(" | ").includes("None") ? type : `${type} | None`;
}

/** The value as an object (a non-object as `{}`). */
export function asObject(value: unknown): Record<string, unknown> {
  return value && typeof value === "object" && !Array.isArray(value)
    ? value as Record<string, unknown>
    : {};
}

/** The text on one line, runs of white space as one space. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

/** The first sentence, at most 120 characters. */
export function firstSentence(text: string): string {
  const line = oneLine(text);
  const end = line.search(/[.!?](\s|$)/);
  const sentence = end >= 0 ? line.slice(0, end + 1) : line;
  return sentence.length > 120 ? sentence.slice(0, 117) + "…" : sentence;
}
