/** Unit tests of the pure skill modules: names and files, the description's index, search, rendering. */
import assert from "node:assert/strict";
import { nameOfFile, nameProblem, skillFile } from "../src/skills/skill_names.ts";
import { renderSkill, searchSkills, skillSummaries } from "../src/skills/skill_index.ts";
import { checkProgram } from "../src/skills/skill_checker.ts";
import type { SkillInfo } from "../src/skills/skill_store.ts";
import { defaultPolicy } from "../src/policy/policy_config.ts";

Deno.test("skill names: the pattern, keywords, no path can leave the folder", () => {
  for (const good of ["a", "read_note", "x9", "a".repeat(64), "match", "type"]) {
    assert.equal(nameProblem(good), undefined, good);
  }
  for (
    const bad of ["", "A", "9a", "_a", "a-b", "../x", "a/b", "a.b", "a".repeat(65), "é", "class"]
  ) {
    assert.ok(nameProblem(bad), bad);
    assert.throws(() => skillFile("/s", bad));
  }
  assert.equal(skillFile("/s", "read_note"), "/s/read_note.py");
  assert.equal(nameOfFile("x.py"), "x");
  assert.equal(nameOfFile("x.txt"), undefined);
});

const valid = (name: string, doc: string): SkillInfo => ({
  name,
  status: "valid",
  doc,
  signature: "(x)",
});

Deno.test("skill index entries: the first docstring line, or invalid", () => {
  assert.deepEqual(skillSummaries([]), []);
  const invalid: SkillInfo = { name: "bad", status: "invalid", reason: "it imports os" };
  const plain: SkillInfo = { name: "plain", status: "valid" };
  assert.deepEqual(skillSummaries([valid("count_words", "Counts words."), invalid, plain]), [
    { name: "count_words", summary: "Counts words." },
    { name: "bad", summary: "invalid" },
    { name: "plain" },
  ]);
});

Deno.test("skill search: words in name weigh more than in the docstring; empty lists all", () => {
  const skills = [valid("sync_notes", "Copies notes to the graph"), valid("notes", "Reads notes")];
  assert.deepEqual(searchSkills(skills, "notes", 10).map((s) => s.name), ["notes", "sync_notes"]);
  assert.deepEqual(searchSkills(skills, "graph", 10).map((s) => s.name), ["sync_notes"]);
  assert.deepEqual(searchSkills(skills, "weather", 10), []);
  assert.equal(searchSkills(skills, "", 1).length, 1);
  assert.equal(renderSkill(skills[1]), "# skill\nskills.notes(x)  # Reads notes");
});

Deno.test("check program: the skills travel as base64 of JSON, the policy as a JSON string", () => {
  const program = checkProgram(
    [{ name: "a", code: 'def a():\n    return "é\\"""' }],
    defaultPolicy(),
  );
  const [, b64, rules] = program.match(/check_many\("([^"]+)", (".*")\)$/)!;
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  assert.deepEqual(JSON.parse(new TextDecoder().decode(bytes)), [
    { name: "a", code: 'def a():\n    return "é\\"""' },
  ]);
  assert.ok(JSON.parse(JSON.parse(rules)).allowed_imports.includes("json"));
  const off = checkProgram([], { ...defaultPolicy(), enabled: false });
  assert.match(off, /, "null"\)$/);
});
