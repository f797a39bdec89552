/**
 * The guardrail policy of `mcp_servers.json` (`policy`): its zod schema with the documented
 * defaults, and the part of it the sandbox child checks (imports and names).
 *
 * Guardrails are policy and defence in depth; the zero-permission child process is the boundary.
 */
import { z } from "zod";
import type { RunPolicy } from "../relay/protocol.ts";

/**
 * Modules agent code may import by default: what data wrangling needs from the standard library,
 * the most used first (error messages list them in this order). An entry allows the module and
 * its submodules (`collections` allows `collections.abc`); a dotted entry allows that part only
 * (`urllib.parse`, not `urllib.request`). The `sys` entries are a safe subset: the captured output
 * streams, `exit` (raises SystemExit) and `maxsize` (an int), taken with `from sys import stderr`;
 * `import sys` itself is not allowed (`sys.modules` reaches every loaded module, the JavaScript
 * bridge among them).
 */
export const DEFAULT_ALLOWED_IMPORTS: readonly string[] = [
  "json",
  "math",
  "re",
  "datetime",
  "collections",
  "itertools",
  "functools",
  "statistics",
  "random",
  "string",
  "textwrap",
  "decimal",
  "fractions",
  "typing",
  "dataclasses",
  "asyncio",
  "base64",
  "hashlib",
  "csv",
  "uuid",
  "heapq",
  "bisect",
  "operator",
  "copy",
  "pprint",
  "time",
  "zoneinfo",
  "urllib.parse",
  "abc",
  "array",
  "binascii",
  "calendar",
  "cmath",
  "contextlib",
  "difflib",
  "enum",
  "fnmatch",
  "graphlib",
  "hmac",
  "html",
  "io",
  "pathlib",
  "ipaddress",
  "numbers",
  "secrets",
  "struct",
  "tomllib",
  "unicodedata",
  "xml.etree.ElementTree",
  "zlib",
  "__future__",
  "sys.exit",
  "sys.maxsize",
  "sys.stderr",
  "sys.stdout",
];

/**
 * Names agent code may not use (read, assign, define or take as a parameter): code built from
 * strings, the import machinery, the namespaces that hold the builtins, the debugger.
 */
export const DEFAULT_DENIED_NAMES: readonly string[] = [
  "__builtins__",
  "__import__",
  "breakpoint",
  "compile",
  "eval",
  "exec",
  "globals",
  "locals",
  "vars",
];

/**
 * Attributes agent code may not touch: Python's introspection of classes, functions, frames and
 * code objects (and of modules: `inspect`'s functions that hand out modules and frames), and the
 * names under which library modules keep `sys`, `os`, `inspect` and friends.
 */
export const DEFAULT_DENIED_ATTRIBUTES: readonly string[] = [
  "__base__",
  "__bases__",
  "__builtins__",
  "__closure__",
  "__code__",
  "__dict__",
  "__getattribute__",
  "__globals__",
  "__import__",
  "__loader__",
  "__mro__",
  "__self__",
  "__spec__",
  "__subclasses__",
  "ag_code",
  "ag_frame",
  "cr_code",
  "cr_frame",
  "f_back",
  "f_builtins",
  "f_code",
  "f_globals",
  "f_locals",
  "gi_code",
  "gi_frame",
  "tb_frame",
  "_getframe",
  "currentframe",
  "getclosurevars",
  "getinnerframes",
  "getmembers",
  "getmembers_static",
  "getmodule",
  "getouterframes",
  "_os",
  "_sys",
  "builtins",
  "ctypes",
  "importlib",
  "inspect",
  "js",
  "os",
  "pyodide",
  "pyodide_js",
  "subprocess",
  "sys",
];

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MODULE_NAME = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

const ModuleName = z.string().max(100).regex(MODULE_NAME, {
  message: "must be a module name such as json or urllib.parse (letters, digits, _ and dots)",
});
const Identifier = z.string().max(100).regex(IDENTIFIER, {
  message: "must be a Python identifier such as eval or __globals__",
});

/** The `policy` section of the configuration. */
export const PolicyConfigSchema = z.object({
  enabled: z.boolean().default(true)
    .describe("Check code before it runs; false turns every guardrail off (size included)."),
  max_chars: z.number().int().min(1).max(100_000).default(8000)
    .describe("Most characters (code points) a program may have."),
  max_lines: z.number().int().min(1).max(10_000).default(400)
    .describe("Most lines a program may have."),
  allowed_imports: z.array(ModuleName).max(1000).default(() => [...DEFAULT_ALLOWED_IMPORTS])
    .describe("Modules the code may import; replaces the default list."),
  denied_names: z.array(Identifier).max(1000).default(() => [...DEFAULT_DENIED_NAMES])
    .describe("Names the code may not use; replaces the default list."),
  denied_attributes: z.array(Identifier).max(1000).default(() => [...DEFAULT_DENIED_ATTRIBUTES])
    .describe("Attributes the code may not use; replaces the default list."),
}).strict();

/** The guardrail policy with defaults applied. */
export type PolicyConfig = z.infer<typeof PolicyConfigSchema>;

/** The default policy (everything on, the documented defaults). */
export function defaultPolicy(): PolicyConfig {
  return PolicyConfigSchema.parse({});
}

/** The part of the policy the sandbox child checks, or null when the policy is off. */
export function runPolicy(policy: PolicyConfig): RunPolicy | null {
  if (!policy.enabled) return null;
  return {
    allowed_imports: policy.allowed_imports,
    denied_names: policy.denied_names,
    denied_attributes: policy.denied_attributes,
  };
}
