/**
 * The message of arguments a tool's input schema refuses: names each unknown argument (with the
 * listed one it resembles, "did you mean") and each missing required one, so that `pathh=` says
 * both that `pathh` is unknown and that `path` is missing; the validator's own words otherwise.
 */
import { nearest } from "../config_keys.ts";

/** What the message names of the tool. */
export interface ArgumentsTarget {
  /** `tools.<server>.<tool>`. */
  label: string;
  /** The Python signature, `read_text_file(path: str, ...)`. */
  expected: string;
  /** The tool's input schema. */
  inputSchema: unknown;
}

/** `Invalid arguments for <label>: <what is wrong>. Expected <signature>; see help(<label>).` */
export function invalidArgumentsMessage(
  target: ArgumentsTarget,
  args: Record<string, unknown>,
  validatorMessage: string | undefined,
): string {
  const { properties, required } = topLevel(target.inputSchema);
  const given = Object.keys(args);
  const unknown = properties.length ? given.filter((name) => !properties.includes(name)) : [];
  const missing = required.filter((name) => !Object.hasOwn(args, name));
  const parts = [
    ...unknown.slice(0, 5).map((name) => {
      const near = nearest(name, properties.filter((p) => !given.includes(p)));
      return `unknown argument "${short(name)}"${near ? ` (did you mean "${near}"?)` : ""}`;
    }),
    ...(unknown.length > 5 ? [`and ${unknown.length - 5} more unknown arguments`] : []),
    ...missing.map((name) => `missing required argument "${name}"`),
  ];
  // The validator's other findings (a wrong type, say), without what the parts already say.
  const rest = (validatorMessage ?? "").split(", ").filter((m) =>
    m && !/^data must (have required property|NOT have additional properties)/.test(m)
  );
  const what = [...parts, ...rest].join("; ") || "they do not match the schema";
  return `Invalid arguments for ${target.label}: ${what}. ` +
    `Expected ${target.expected}; see help(${target.label}).`;
}

/** The property names and required names of an object schema (none for anything else). */
function topLevel(schema: unknown): { properties: string[]; required: string[] } {
  if (!schema || typeof schema !== "object") return { properties: [], required: [] };
  const { properties, required } = schema as { properties?: unknown; required?: unknown };
  return {
    properties: properties && typeof properties === "object" ? Object.keys(properties) : [],
    required: Array.isArray(required) ? required.filter((r) => typeof r === "string") : [],
  };
}

function short(name: string): string {
  return name.length > 60 ? `${name.slice(0, 59)}…` : name;
}
