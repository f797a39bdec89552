/**
 * The corpus's refusals checked in one sandbox child: a host program (like the skill checker's,
 * `src/skills/skill_checker.ts`) calls the child's own policy check, `_mcp_policy.check`, on each
 * program with the policy a run would get (`runPolicy`), and each answer is read with the relay's
 * schema for a run's error. A run calls the same check on its code before any of it runs, so the
 * verdicts are the ones a run gives; harness.ts still runs a few refusals end to end.
 */
import { z } from "zod";
import { RunErrorSchema } from "../../src/contracts.ts";
import { type PolicyConfig, runPolicy } from "../../src/policy/policy_config.ts";
import type { Executor } from "../../src/sandbox_host/executor.ts";

/** What the child's policy check answered for one program. */
export type Refusal =
  | { ok: true; error: z.infer<typeof RunErrorSchema> }
  | { ok: false; problem: string };

const AnswerSchema = z.union([
  z.null(),
  z.object({ ok: z.literal(false), error: RunErrorSchema }).strict(),
]);

/** The host program that checks `programs` under `policy`, answering one value a program. */
export function refusalProgram(programs: string[], policy: PolicyConfig): string {
  const items = base64(JSON.stringify(programs));
  const rules = JSON.stringify(JSON.stringify(runPolicy(policy)));
  return [
    "import base64, json, _mcp_policy",
    `_policy = json.loads(${rules})`,
    `[_mcp_policy.check(c, _policy) for c in json.loads(base64.b64decode(${
      JSON.stringify(items)
    }))]`,
  ].join("\n");
}

/** Checks `programs` in one child; one {@link Refusal} a program, in order. */
export async function checkRefusals(
  executor: Executor,
  programs: string[],
): Promise<Refusal[]> {
  if (!programs.length) return [];
  const r = await executor.execute(refusalProgram(programs, executor.policy), {
    hostProgram: true,
    timeoutMs: 60_000,
    dispatcher: { catalog: () => [], call: () => Promise.reject(new Error("no tools")) },
  });
  const answers = z.array(z.unknown()).length(programs.length).safeParse(r.result);
  if (!r.ok || !answers.success) {
    const why = r.ok
      ? "its answer is not one value a program"
      : `${r.error?.code}: ${r.error?.message}`;
    return programs.map(() => ({ ok: false, problem: `the batched policy check failed (${why})` }));
  }
  return answers.data.map((answer) => {
    const parsed = AnswerSchema.safeParse(answer);
    if (!parsed.success) {
      return {
        ok: false,
        problem: `the policy check's answer is malformed: ${parsed.error.message}`,
      };
    }
    if (parsed.data === null) return { ok: false, problem: "the policy check let it run" };
    return { ok: true, error: parsed.data.error };
  });
}

function base64(text: string): string {
  let binary = "";
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}
