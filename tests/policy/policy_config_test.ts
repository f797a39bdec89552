/**
 * The `policy` section of the configuration: documented defaults, and every bad value refused
 * with the JSON path and what to write instead.
 */
import assert from "node:assert/strict";
import { parseConfig } from "../../src/config.ts";
import {
  DEFAULT_ALLOWED_IMPORTS,
  DEFAULT_DENIED_ATTRIBUTES,
  DEFAULT_DENIED_NAMES,
  PolicyConfigSchema,
  runPolicy,
} from "../../src/policy/policy_config.ts";

function refused(policy: unknown, pattern: RegExp) {
  const r = parseConfig(JSON.stringify({ policy }), { path: "conf.json", env: () => undefined });
  assert.equal(r.ok, false, "expected the policy to be refused");
  if (!r.ok) {
    assert.match(r.message, /conf\.json/);
    assert.match(r.message, pattern);
  }
}

Deno.test("policy: the defaults apply when the section is missing", () => {
  const r = parseConfig("{}", { env: () => undefined });
  assert.ok(r.ok);
  const policy = r.ok ? r.config.policy : undefined;
  assert.deepEqual(policy, {
    enabled: true,
    max_chars: 8000,
    max_lines: 400,
    allowed_imports: [...DEFAULT_ALLOWED_IMPORTS],
    denied_names: [...DEFAULT_DENIED_NAMES],
    denied_attributes: [...DEFAULT_DENIED_ATTRIBUTES],
  });
});

Deno.test("policy: the default allowlist covers data wrangling and leaves out the runtime", () => {
  for (const needed of ["json", "math", "re", "datetime", "collections", "csv", "urllib.parse"]) {
    assert.ok(DEFAULT_ALLOWED_IMPORTS.includes(needed), `${needed} is allowed`);
  }
  const reachesOut = ["js", "pyodide", "pyodide_js", "_pyodide", "micropip", "ctypes"];
  for (const module of [...reachesOut, "subprocess", "importlib", "os", "sys", "builtins"]) {
    assert.ok(
      !DEFAULT_ALLOWED_IMPORTS.some((e) => e === module || module.startsWith(`${e}.`)),
      `${module} is not allowed`,
    );
  }
  for (const name of ["eval", "exec", "compile", "__import__", "globals", "vars"]) {
    assert.ok(DEFAULT_DENIED_NAMES.includes(name), `${name} is denied`);
  }
  const internals = ["__subclasses__", "__globals__", "__code__", "__builtins__", "__bases__"];
  for (const attr of [...internals, "__mro__"]) {
    assert.ok(DEFAULT_DENIED_ATTRIBUTES.includes(attr), `${attr} is denied`);
  }
});

Deno.test("policy: a partial section keeps the other defaults; a list replaces its default", () => {
  const policy = PolicyConfigSchema.parse({ max_lines: 50, allowed_imports: ["json"] });
  assert.equal(policy.enabled, true);
  assert.equal(policy.max_chars, 8000);
  assert.equal(policy.max_lines, 50);
  assert.deepEqual(policy.allowed_imports, ["json"]);
  assert.deepEqual(policy.denied_names, [...DEFAULT_DENIED_NAMES]);
});

Deno.test("policy: defaults are fresh copies (one parse cannot change the next)", () => {
  const first = PolicyConfigSchema.parse({});
  first.allowed_imports.push("os");
  assert.ok(!PolicyConfigSchema.parse({}).allowed_imports.includes("os"));
});

Deno.test("policy: what the child checks, or nothing when the policy is off", () => {
  const on = runPolicy(PolicyConfigSchema.parse({ denied_names: ["print"] }));
  assert.deepEqual(on?.denied_names, ["print"]);
  assert.deepEqual(Object.keys(on ?? {}).sort(), [
    "allowed_imports",
    "denied_attributes",
    "denied_names",
  ]);
  assert.equal(runPolicy(PolicyConfigSchema.parse({ enabled: false })), null);
});

Deno.test("policy: an unknown key is named", () =>
  refused({ max_char: 10 }, /at policy: unknown key\(s\) "max_char"/));
Deno.test("policy: enabled must be a boolean", () =>
  refused({ enabled: "yes" }, /at policy\.enabled: .*expected boolean/));
Deno.test("policy: max_chars must be a positive whole number", () => {
  refused({ max_chars: 0 }, /at policy\.max_chars: .*>=\s*1/);
  refused({ max_chars: 12.5 }, /at policy\.max_chars: .*int/);
});
Deno.test("policy: max_chars cannot pass the server's input cap", () =>
  refused({ max_chars: 200_000 }, /at policy\.max_chars: .*<=\s*100000/));
Deno.test("policy: max_lines must be a positive whole number", () =>
  refused({ max_lines: -1 }, /at policy\.max_lines: .*>=\s*1/));
Deno.test("policy: allowed_imports must be a list", () =>
  refused({ allowed_imports: "json" }, /at policy\.allowed_imports: .*expected array/));
Deno.test("policy: an allowed import must be a module name", () =>
  refused(
    { allowed_imports: ["json", "os path"] },
    /at policy\.allowed_imports\.1: must be a module name such as json or urllib\.parse/,
  ));
Deno.test("policy: a denied name must be an identifier", () =>
  refused(
    { denied_names: ["eval", "os.system"] },
    /at policy\.denied_names\.1: must be a Python identifier/,
  ));
Deno.test("policy: a denied attribute must be an identifier", () =>
  refused(
    { denied_attributes: [""] },
    /at policy\.denied_attributes\.0: must be a Python identifier/,
  ));
Deno.test("policy: lists and their entries have sane bounds", () => {
  refused(
    { allowed_imports: Array.from({ length: 1001 }, (_, i) => `m${i}`) },
    /at policy\.allowed_imports: .*<=\s*1000/,
  );
  refused({ denied_names: ["x".repeat(101)] }, /at policy\.denied_names\.0: .*<=\s*100/);
});
