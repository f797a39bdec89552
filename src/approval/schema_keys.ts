/**
 * Which argument names a tool's input schema does not declare, and whether the schema says such
 * names are welcome. JSON Schema lets an object carry names it does not list unless
 * `additionalProperties` is false, and most upstreams leave it out (server-filesystem does), so
 * an undeclared name passes validation and is silently ignored, or used, by the tool. The approval
 * gate refuses them for calls that need approval unless the schema allows them explicitly.
 */

/** The undeclared names of a call's arguments. */
export interface SchemaKeys {
  /** Top-level names neither in `properties` nor matching `patternProperties`. */
  undeclared: string[];
  /**
   * True when the schema welcomes other names: `additionalProperties` true or a schema, or no
   * `properties` at all (the schema does not describe its arguments).
   */
  allowed: boolean;
}

type Schema = Record<string, unknown>;

const isObject = (value: unknown): value is Schema =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** The names of `args` that `schema` does not declare. */
export function undeclaredKeys(schema: unknown, args: Record<string, unknown>): SchemaKeys {
  const root = isObject(schema) ? schema : {};
  const parts = [root, ...branches(root)];
  const names = new Set<string>();
  const patterns: RegExp[] = [];
  let described = false;
  for (const part of parts) {
    if (isObject(part.properties)) {
      described = true;
      for (const name of Object.keys(part.properties)) names.add(name);
    }
    if (isObject(part.patternProperties)) {
      described = true;
      for (const source of Object.keys(part.patternProperties)) {
        const pattern = compile(source);
        if (pattern) patterns.push(pattern);
      }
    }
  }
  const extra = root.additionalProperties;
  const allowed = !described || extra === true || isObject(extra);
  const undeclared = Object.keys(args).filter((key) =>
    !names.has(key) && !patterns.some((p) => p.test(key))
  );
  return { undeclared, allowed };
}

/** The `allOf` / `anyOf` / `oneOf` branches of the schema's top level. */
function branches(schema: Schema): Schema[] {
  return ["allOf", "anyOf", "oneOf"].flatMap((word) => {
    const list = schema[word];
    return Array.isArray(list) ? list.filter(isObject) : [];
  });
}

function compile(source: string): RegExp | undefined {
  try {
    return new RegExp(source, "u");
  } catch {
    return undefined;
  }
}
