/**
 * Test support: reads the return shapes our stubs declare (`{"content": str}`,
 * `list[{"name": str}]`, `Literal["a", "b"]`, `str | None`, `dict`, `Any` …, see
 * `returnShape` in src/formatting/python_stub.ts) and checks a value against one, so a test can
 * compare what a tool really returns with what its stub promises the model.
 */

/** A parsed shape. */
export type Shape =
  | { kind: "name"; name: string }
  | { kind: "list"; item: Shape }
  | { kind: "map"; value: Shape }
  | { kind: "literal"; values: unknown[] }
  | { kind: "object"; fields: Array<{ key: string; optional: boolean; shape: Shape }> }
  | { kind: "union"; options: Shape[] };

/** Parses a shape; throws on text the notation does not allow. */
export function parseShape(text: string): Shape {
  let at = 0;
  const skip = () => {
    while (text[at] === " ") at++;
  };
  const expect = (token: string) => {
    skip();
    if (!text.startsWith(token, at)) throw new Error(`expected ${token} at ${at} in ${text}`);
    at += token.length;
  };
  const literal = (): unknown => {
    skip();
    const match = /^("(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?|True|False|None)/.exec(text.slice(at));
    if (!match) throw new Error(`expected a literal at ${at} in ${text}`);
    at += match[0].length;
    const map: Record<string, unknown> = { True: true, False: false, None: null };
    return match[0] in map ? map[match[0]] : JSON.parse(match[0]);
  };
  const atom = (): Shape => {
    skip();
    if (text[at] === "{") {
      at++;
      const fields: Array<{ key: string; optional: boolean; shape: Shape }> = [];
      skip();
      while (text[at] !== "}") {
        const key = literal() as string;
        expect(":");
        const optional = key.endsWith("?");
        fields.push({ key: optional ? key.slice(0, -1) : key, optional, shape: union() });
        skip();
        if (text[at] === ",") at++;
        skip();
      }
      at++;
      return { kind: "object", fields };
    }
    const name = /^[A-Za-z_]+/.exec(text.slice(at))?.[0];
    if (!name) throw new Error(`expected a type at ${at} in ${text}`);
    at += name.length;
    if (text[at] !== "[") return { kind: "name", name };
    at++;
    let shape: Shape;
    if (name === "list") shape = { kind: "list", item: union() };
    else if (name === "dict") {
      expect("str");
      expect(",");
      shape = { kind: "map", value: union() };
    } else if (name === "Literal") {
      const values = [literal()];
      for (skip(); text[at] === ","; skip()) {
        at++;
        values.push(literal());
      }
      shape = { kind: "literal", values };
    } else throw new Error(`unknown generic ${name} in ${text}`);
    expect("]");
    return shape;
  };
  const union = (): Shape => {
    const options = [atom()];
    for (skip(); text[at] === "|"; skip()) {
      at++;
      options.push(atom());
    }
    return options.length === 1 ? options[0] : { kind: "union", options };
  };
  const shape = union();
  skip();
  if (at !== text.length) throw new Error(`unexpected ${text.slice(at)} in ${text}`);
  return shape;
}

/** Where `value` departs from `shape` (`$.content: expected str, got list`), or null when it fits. */
export function mismatch(value: unknown, shape: Shape, path = "$"): string | null {
  const got = describe(value);
  switch (shape.kind) {
    case "union":
      return shape.options.some((option) => mismatch(value, option, path) === null)
        ? null
        : `${path}: expected one of the union, got ${got}`;
    case "literal":
      return shape.values.includes(value)
        ? null
        : `${path}: expected one of ${JSON.stringify(shape.values)}, got ${JSON.stringify(value)}`;
    case "list":
      if (!Array.isArray(value)) return `${path}: expected a list, got ${got}`;
      for (const [i, item] of value.entries()) {
        const inner = mismatch(item, shape.item, `${path}[${i}]`);
        if (inner) return inner;
      }
      return null;
    case "map":
    case "object": {
      if (got !== "dict") return `${path}: expected a dict, got ${got}`;
      const record = value as Record<string, unknown>;
      if (shape.kind === "map") {
        for (const [key, item] of Object.entries(record)) {
          const inner = mismatch(item, shape.value, `${path}.${key}`);
          if (inner) return inner;
        }
        return null;
      }
      for (const field of shape.fields) {
        if (!(field.key in record)) {
          if (field.optional) continue;
          return `${path}: the key "${field.key}" is missing`;
        }
        const inner = mismatch(record[field.key], field.shape, `${path}.${field.key}`);
        if (inner) return inner;
      }
      const extra = Object.keys(record).filter((k) => !shape.fields.some((f) => f.key === k));
      return extra.length ? `${path}: keys the stub does not declare: ${extra.join(", ")}` : null;
    }
    case "name": {
      const fits: Record<string, boolean> = {
        Any: true,
        str: got === "str",
        int: got === "int",
        float: got === "int" || got === "float",
        bool: got === "bool",
        None: got === "None",
        dict: got === "dict",
        list: got === "list",
      };
      if (!(shape.name in fits)) return `${path}: unknown type ${shape.name}`;
      return fits[shape.name] ? null : `${path}: expected ${shape.name}, got ${got}`;
    }
  }
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return "None";
  if (Array.isArray(value)) return "list";
  if (typeof value === "string") return "str";
  if (typeof value === "boolean") return "bool";
  if (typeof value === "number") return Number.isInteger(value) ? "int" : "float";
  return "dict";
}
