/**
 * The configured policy reaches the sandbox: a custom allowlist and custom denied names are the
 * ones enforced, a disabled policy checks nothing, and a program with hundreds of violations
 * still gets a well-formed, capped POLICY_VIOLATION (real executor, real children).
 */
import assert from "node:assert/strict";
import { SandboxConfigSchema } from "../../src/config.ts";
import { PolicyConfigSchema } from "../../src/policy/policy_config.ts";
import { Executor } from "../../src/sandbox_host/executor.ts";

async function withExecutor(
  policy: Record<string, unknown>,
  fn: (executor: Executor) => Promise<void>,
): Promise<void> {
  const created = await Executor.create(SandboxConfigSchema.parse({ pool_size: 1 }), {
    policy: PolicyConfigSchema.parse(policy),
  });
  assert.ok(created.ok);
  try {
    await fn(created.executor);
  } finally {
    await created.executor.close();
  }
}

Deno.test({
  name: "policy: a custom allowlist, denied names and attributes are the ones enforced",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const policy = {
      allowed_imports: ["json", "os.path"],
      denied_names: ["input"],
      denied_attributes: ["upper"],
      max_lines: 5,
    };
    await withExecutor(policy, async (executor) => {
      const refused = await executor.execute(
        "import math\nx = input\n'a'.upper()\nfrom os import environ",
      );
      assert.equal(refused.error?.code, "POLICY_VIOLATION", JSON.stringify(refused));
      assert.deepEqual(refused.error?.violations?.map((v) => [v.rule, v.line, v.col]), [
        ["import", 1, 0],
        ["name", 2, 4],
        ["attribute", 3, 4],
        ["import", 4, 0],
      ]);
      assert.match(refused.error?.message ?? "", /allowed modules: json, os\.path/);
      assert.match(
        refused.error?.message ?? "",
        /of "os" only os\.path may be imported \(from os import path\)/,
      );
      const allowed = await executor.execute(
        "import json\nfrom os import path\nv = eval('1 + 1')\n[json.dumps(v), path.join('a', 'b')]",
      );
      assert.equal(allowed.ok, true, JSON.stringify(allowed));
      assert.deepEqual(allowed.result, ["2", "a/b"]);
      const long = await executor.execute("1\n2\n3\n4\n5\n6");
      assert.deepEqual(long.error?.violations?.map((v) => v.rule), ["max_lines"]);
    });
  },
});

Deno.test({
  name: "policy: disabled, nothing is checked (size included)",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await withExecutor({ enabled: false, max_lines: 2 }, async (executor) => {
      const r = await executor.execute("import os, sys\nx = eval('6 * 7')\nprint(os.sep)\nx");
      assert.equal(r.ok, true, JSON.stringify(r));
      assert.equal(r.result, 42);
    });
  },
});

Deno.test({
  name: "policy: hundreds of violations give a capped, well-formed POLICY_VIOLATION",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await withExecutor({}, async (executor) => {
      const code = Array.from({ length: 300 }, () => "eval; exec; import os").join("\n");
      const r = await executor.execute(code);
      assert.equal(r.error?.code, "POLICY_VIOLATION", JSON.stringify(r.error).slice(0, 500));
      assert.equal(r.error?.violations?.length, 50);
      assert.match(r.error?.message ?? "", /in 900 places/);
      assert.match(r.error?.message ?? "", /- … and 850 more$/);
      // The long list of allowed modules is printed once, then referred to.
      assert.equal(r.error?.message.match(/allowed modules: json/g)?.length, 1);
      assert.match(r.error?.message ?? "", /allowed modules: as listed above/);
    });
  },
});

Deno.test({
  name: "policy: a very long allowlist is shortened in messages, not a broken relay message",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const allowed = Array.from({ length: 600 }, (_, i) => `module_number_${i}`);
    await withExecutor({ allowed_imports: allowed }, async (executor) => {
      const r = await executor.execute("import os\nimport sys");
      assert.equal(r.error?.code, "POLICY_VIOLATION", JSON.stringify(r.error).slice(0, 300));
      const first = r.error?.violations?.[0]?.message ?? "";
      assert.match(first, /module_number_0, module_number_1, .* … and \d+ more/);
      assert.ok(first.length < 2000, `${first.length} characters`);
    });
  },
});
