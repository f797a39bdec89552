/**
 * Skills in the MCP server: the `save_skill` tool, and keeping `execute_code`'s description (its
 * skill index) current: when the skills folder changes, the description is updated, which makes
 * the SDK send `notifications/tools/list_changed`.
 */
import { z } from "zod";
import type { RunError } from "../contracts.ts";
import type { McpServer } from "../mcp_sdk.ts";
import {
  renderSkill,
  searchSkills,
  skillSummaries,
  type SkillSummary,
} from "../skills/skill_index.ts";
import type { SkillStore } from "../skills/skill_store.ts";
import { registerCheckedTool } from "./checked_tool.ts";

/** Longest skill source accepted, in characters. */
const MAX_SKILL_CHARS = 100_000;

/** The input of `save_skill` with its bounds (listed without them). */
const SAVE_INPUT = z.object({
  name: z.string().max(200),
  code: z.string().min(1).max(MAX_SKILL_CHARS),
  description: z.string().max(2000).optional(),
  overwrite: z.boolean().optional(),
});

/** Registers `save_skill` on `server`. */
export function registerSaveSkill(server: McpServer, store: SkillStore): void {
  registerCheckedTool(server, "save_skill", {
    title: "Save a skill",
    description: "Save code defining <name>() as skills.<name>()",
    input: SAVE_INPUT,
    annotations: { readOnlyHint: false, destructiveHint: false, openWorldHint: false },
    invalid: (message) => notSaved({ code: "INVALID_INPUT", message }),
  }, async (input) => {
    const saved = await store.save(input);
    if (!saved.ok) return notSaved(saved.error);
    const { skill } = saved;
    const text = `Saved skill ${skill.name} (${saved.file}): call skills.${skill.name}` +
      `${skill.signature ?? "(...)"} from execute_code.`;
    return {
      content: [{ type: "text" as const, text }],
      structuredContent: { ok: true, file: saved.file, ...skill },
    };
  });
}

/** The answer when a skill was not saved. */
function notSaved(error: RunError) {
  return {
    content: [{ type: "text" as const, text: JSON.stringify({ error }) }],
    structuredContent: { ok: false, error },
    isError: true,
  };
}

/** The skills matching a `search_tools` query, rendered and as data; undefined when none match. */
export function skillMatches(store: SkillStore, query: string, limit?: number) {
  const found = searchSkills(store.list, query, limit ?? 10);
  if (!found.length) return undefined;
  return {
    text: found.map(renderSkill).join("\n"),
    found: found.map((s) => ({
      skill: s.name,
      python: `skills.${s.name}`,
      ...(s.signature ? { signature: `${s.name}${s.signature}` } : {}),
      ...(s.doc ? { doc: s.doc } : {}),
      ...(s.reason ? { invalid: s.reason } : {}),
    })),
  };
}

/**
 * Keeps a description that holds the skill index current: `update` is called with the new text
 * whenever the skills change, until the server closes.
 */
export function followSkills(
  server: McpServer,
  store: SkillStore,
  describe: (skills: SkillSummary[]) => string,
  update: (description: string) => void,
): string {
  const off = store.onChange(() => update(describe(skillSummaries(store.list))));
  const previous = server.server.onclose;
  server.server.onclose = () => {
    off();
    previous?.();
  };
  return describe(skillSummaries(store.list));
}
