/**
 * The child's side of skills, through the real executor and sandbox (no server): whatever the host
 * sends, the child checks a skill with the policy when it is first used and never runs one that
 * breaks it; a skill the host marked invalid raises with the host's reason; a skill that uses
 * itself while loading is refused; the sources cannot be reached through the namespace with the
 * policy on; and with the policy off the same skill runs (the policy is the only thing refusing).
 */
import assert from "node:assert/strict";
import { SandboxConfigSchema } from "../src/config.ts";
import type { SkillSource } from "../src/contracts.ts";
import { defaultPolicy } from "../src/policy/policy_config.ts";
import { Executor } from "../src/sandbox_host/executor.ts";

const EVIL: SkillSource = {
  name: "evil",
  code: 'import os\n\ndef evil():\n    print("ran")\n    return os.getcwd()\n',
};
const SOURCES: SkillSource[] = [
  EVIL,
  { name: "marked", code: "", invalid: "it was refused by the host" },
  { name: "loop", code: "x = skills.loop\n\ndef loop():\n    return 1\n" },
  { name: "base", code: '"""Adds one."""\n\ndef base(n):\n    return n + 1\n' },
  { name: "twice", code: "def twice(n):\n    return skills.base(skills.base(n))\n" },
];

async function withExecutor(enabled: boolean, fn: (e: Executor) => Promise<void>) {
  const created = await Executor.create(SandboxConfigSchema.parse({ pool_size: 1 }), {
    policy: { ...defaultPolicy(), enabled },
  });
  assert.ok(created.ok);
  created.executor.useSkills(() => Promise.resolve(SOURCES));
  try {
    await fn(created.executor);
  } finally {
    await created.executor.close();
  }
}

Deno.test({
  name: "skills in the child: checked on first use, refused without running",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await withExecutor(true, async (executor) => {
      await t.step("a skill that breaks the policy is refused before any of it runs", async () => {
        const r = await executor.execute("skills.evil()");
        assert.equal(r.ok, false);
        assert.equal(r.error?.type, "SkillError", JSON.stringify(r));
        assert.match(
          r.error?.message ?? "",
          /^SkillError: The skill evil cannot be used: it breaks the sandbox policy .*import "os"/s,
        );
        assert.equal(r.stdout, "");
      });
      await t.step("the program can catch it, with its code", async () => {
        const r = await executor.execute(
          "try:\n    skills.evil()\nexcept Exception as e:\n    out = e.code\nout",
        );
        assert.equal(r.result, "POLICY_VIOLATION", JSON.stringify(r));
      });
      await t.step("the host's reason for an invalid skill", async () => {
        const r = await executor.execute("skills.marked()");
        assert.match(r.error?.message ?? "", /marked is invalid: it was refused by the host/);
      });
      await t.step("a skill using itself while loading; skills calling skills", async () => {
        const loop = await executor.execute("skills.loop()");
        assert.match(loop.error?.message ?? "", /uses itself while it is being loaded/);
        const twice = await executor.execute("skills.twice(1)");
        assert.equal(twice.result, 3, JSON.stringify(twice));
      });
      await t.step("dir, an unknown name, and no way to the sources under the policy", async () => {
        const listed = await executor.execute("dir(skills)");
        assert.deepEqual(listed.result, ["base", "evil", "loop", "marked", "twice"]);
        const unknown = await executor.execute("skills.nope");
        assert.match(unknown.error?.message ?? "", /There is no skill 'nope'; available: base/);
        const closure = await executor.execute("type(skills).__getattr__.__closure__");
        assert.equal(closure.error?.code, "POLICY_VIOLATION", JSON.stringify(closure));
      });
    });
  },
});

Deno.test({
  name: "skills in the child: with the policy off the same skill runs",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await withExecutor(false, async (executor) => {
      const r = await executor.execute("skills.evil()");
      assert.equal(r.ok, true, JSON.stringify(r));
      assert.equal(r.stdout, "ran\n");
    });
  },
});
