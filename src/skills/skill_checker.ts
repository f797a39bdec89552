/**
 * Checks skills the way a run does, before they are saved or listed: a program the host writes
 * runs in a sandbox child (no policy of its own, no tools) and calls `_mcp_skills.check_many`,
 * which parses each skill, applies the guardrail policy and looks for the function `name`. One
 * child checks a whole batch.
 */
import { z } from "zod";
import { type ErrorCode, PolicyViolationSchema, RunErrorSchema } from "../contracts.ts";
import { type PolicyConfig, runPolicy } from "../policy/policy_config.ts";
import type { Executor } from "../sandbox_host/executor.ts";

/** A skill to check; `description` becomes the docstring when the code has none. */
export interface SkillToCheck {
  name: string;
  code: string;
  description?: string;
}

/** What the check found about one skill. */
export const SkillVerdictSchema = z.discriminatedUnion("ok", [
  z.object({
    ok: z.literal(true),
    doc: z.string(),
    signature: z.string(),
    code: z.string().optional().describe("The source with the description as its docstring."),
  }),
  z.object({
    ok: z.literal(false),
    error: z.object({
      code: RunErrorSchema.shape.code,
      message: z.string(),
      violations: z.array(PolicyViolationSchema).optional(),
    }),
  }),
]);

/** What the check found about one skill. */
export type SkillVerdict = z.infer<typeof SkillVerdictSchema>;

/** Checks skills; one verdict per skill, in order (or a reason why none could be checked). */
export type SkillChecker = (
  skills: SkillToCheck[],
) => Promise<
  { ok: true; verdicts: SkillVerdict[] } | { ok: false; code: ErrorCode; message: string }
>;

/** The host's checking program for `skills` under `policy`. */
export function checkProgram(skills: SkillToCheck[], policy: PolicyConfig): string {
  const items = base64(JSON.stringify(skills));
  const rules = JSON.stringify(JSON.stringify(runPolicy(policy)));
  return `import _mcp_skills\n_mcp_skills.check_many(${JSON.stringify(items)}, ${rules})`;
}

/** A checker that runs {@link checkProgram} through `executor`. */
export function sandboxChecker(executor: Executor): SkillChecker {
  return async (skills) => {
    if (!skills.length) return { ok: true, verdicts: [] };
    const result = await executor.execute(checkProgram(skills, executor.policy), {
      hostProgram: true,
      dispatcher: { catalog: () => [], call: () => Promise.reject(new Error("no tools")) },
    });
    if (!result.ok) {
      return {
        ok: false,
        code: result.error?.code ?? "SANDBOX_CRASH",
        message:
          `The skills could not be checked (${result.error?.code}: ${result.error?.message})`,
      };
    }
    const parsed = z.array(SkillVerdictSchema).length(skills.length).safeParse(result.result);
    if (!parsed.success) {
      return {
        ok: false,
        code: "SANDBOX_CRASH",
        message: "The skills could not be checked (the check's answer was cut).",
      };
    }
    return { ok: true, verdicts: parsed.data };
  };
}

function base64(text: string): string {
  let binary = "";
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}
