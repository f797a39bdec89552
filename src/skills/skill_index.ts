/**
 * What the model sees about skills: the entries of `execute_code`'s index (name and first
 * docstring line; the index fits them into its budget), the matching of `search_tools` queries
 * against skills, and how a found skill is shown (marked as a skill).
 */
import type { SkillInfo } from "./skill_store.ts";

/** A skill as `execute_code`'s index shows it (in the same budget as the tools). */
export interface SkillSummary {
  name: string;
  summary?: string;
}

/** The index entries of `skills`: the first docstring line, or why a skill is invalid. */
export function skillSummaries(skills: readonly SkillInfo[]): SkillSummary[] {
  return skills.map((skill) => {
    if (skill.status === "invalid") return { name: skill.name, summary: "invalid" };
    return skill.doc ? { name: skill.name, summary: skill.doc } : { name: skill.name };
  });
}

/** Skills matching `query` (every word in the name or docstring; an empty query: all). */
export function searchSkills(
  skills: readonly SkillInfo[],
  query: string,
  limit: number,
): SkillInfo[] {
  const words = query.toLowerCase().split(/[^a-z0-9]+/).filter((w) => w.length > 1);
  if (!words.length) return skills.slice(0, limit);
  const scored = skills.map((skill) => {
    const name = skill.name.toLowerCase();
    const doc = (skill.doc ?? "").toLowerCase();
    const score = words.reduce(
      (sum, w) => sum + (name.includes(w) ? 3 : 0) + (doc.includes(w) ? 1 : 0),
      0,
    );
    return { skill, score };
  }).filter((s) => s.score > 0);
  scored.sort((a, b) => b.score - a.score || (a.skill.name < b.skill.name ? -1 : 1));
  return scored.slice(0, limit).map((s) => s.skill);
}

/** One found skill, as `search_tools` shows it. */
export function renderSkill(skill: SkillInfo): string {
  if (skill.status === "invalid") {
    return `# skill (invalid: ${short(skill.reason ?? "", 200)})\nskills.${skill.name}`;
  }
  const doc = skill.doc ? `  # ${skill.doc}` : "";
  return `# skill\nskills.${skill.name}${skill.signature ?? "(...)"}${doc}`;
}

function short(text: string, max: number): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? flat.slice(0, max - 1) + "…" : flat;
}
