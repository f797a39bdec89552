/**
 * Runs guardrail corpus cases through the real executor (default policy, real sandbox children)
 * with a probe tool whose calls prove whether refused code ran, and judges each result. The
 * refusals the child's policy check decides are checked together in one child (refusals.ts).
 */
import { isDeepStrictEqual } from "node:util";
import { SandboxConfigSchema } from "../../src/config.ts";
import { defaultPolicy, type PolicyConfig } from "../../src/policy/policy_config.ts";
import { checkSize } from "../../src/policy/size_check.ts";

import type { ExecResult, ToolDispatcher, ToolRef } from "../../src/contracts.ts";
import { Executor } from "../../src/sandbox_host/executor.ts";
import type { GuardrailCase } from "./corpus.ts";
import { checkRefusals, type Refusal } from "./refusals.ts";

/** An executor for the corpus and the probe calls it answered, per execution. */
export interface Bench {
  executor: Executor;
  /**
   * Calls of `tools.probe.touch` made by execution `id` (host side: the side effect refused code
   * must not have). Counted per execution: cases run concurrently.
   */
  probeCalls: (id: string) => number;
  close: () => Promise<void>;
}

// Cases run a few at a time: while one child runs, the next ones load (most of a case's cost).
const CONCURRENCY = 3;

const PROBE: ToolRef = {
  server: "probe",
  tool: "touch",
  py_server: "probe",
  py_name: "touch",
  doc: "Records that it was called.",
};

/** Starts an executor with `policy` (default: the documented defaults) and the probe tool. */
export async function startBench(policy: PolicyConfig = defaultPolicy()): Promise<Bench> {
  const calls = new Map<string | undefined, number>();
  const dispatcher: ToolDispatcher = {
    catalog: () => [PROBE],
    call: (_ref, _args, { execution }) => {
      calls.set(execution, (calls.get(execution) ?? 0) + 1);
      return Promise.resolve({ ok: true, value: { touched: true } });
    },
  };
  const created = await Executor.create(
    SandboxConfigSchema.parse({
      pool_size: CONCURRENCY,
      // The refusals' batch answers every refusal's message at once (refusals.ts).
      result_bytes: 1024 * 1024,
    }),
    {
      dispatcher,
      policy,
    },
  );
  if (!created.ok) throw new Error(created.message);
  const executor = created.executor;
  return { executor, probeCalls: (id) => calls.get(id) ?? 0, close: () => executor.close() };
}

/**
 * Runs every case and calls `report` in corpus order with what is wrong with each (empty when it
 * passed). Refusals the child decides are checked together in one child ({@link checkRefusals});
 * the first of each rule, those with a side effect, the size refusals (the host's, no child used)
 * and every other case run as real executions, {@link CONCURRENCY} at a time.
 */
export async function runCorpus(
  bench: Bench,
  cases: GuardrailCase[],
  report: (c: GuardrailCase, problems: string[]) => void,
): Promise<string[][]> {
  const plans = planCases(cases, bench.executor.policy);
  const batched = cases.filter((_, i) => plans[i].batch);
  let refusals: Promise<string[][]> = Promise.resolve([]);
  const jobs: (() => Promise<unknown>)[] = [
    () =>
      refusals = checkRefusals(bench.executor, batched.map((c) => c.code.join("\n")))
        .then((found) => found.map((refusal, i) => judgeRefusal(batched[i], refusal))),
  ];
  const runs: Promise<string[]>[] = cases.map(() => Promise.resolve([]));
  for (const [i, c] of cases.entries()) {
    if (!plans[i].run) continue;
    jobs.push(() => runs[i] = runCase(bench, c).catch((error) => [`threw: ${error}`]));
  }
  await inSlots(jobs, CONCURRENCY);
  const checked = await refusals;
  const all: string[][] = [];
  let next = 0;
  for (const [i, c] of cases.entries()) {
    const fromBatch = plans[i].batch ? checked[next++] : [];
    const problems = [...fromBatch, ...(await runs[i]).map((p) => `run end to end: ${p}`)];
    all.push(plans[i].batch ? problems : await runs[i]);
    report(c, all[i]);
  }
  return all;
}

/**
 * How each case is checked: refusals the child decides in the batch (the first of each rule and
 * those with a side effect also end to end), everything else (allowed, syntax errors, refused by
 * size in the host) run.
 */
function planCases(cases: GuardrailCase[], policy: PolicyConfig) {
  const seen = new Set<string>();
  return cases.map((c) => {
    const code = c.code.join("\n");
    if (c.verdict !== "deny" || (policy.enabled && checkSize(code, policy).length)) {
      return { batch: false, run: true };
    }
    const fresh = (c.rules ?? []).filter((rule) => !seen.has(rule));
    for (const rule of fresh) seen.add(rule);
    // A case with a side effect before its violation proves that nothing ran: run it as well.
    const sideEffect = /tools\.probe|print\(/.test(code);
    return { batch: true, run: fresh.length > 0 || sideEffect };
  });
}

async function inSlots(jobs: (() => Promise<unknown>)[], n: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) await jobs[next++]().catch(() => {});
  };
  await Promise.all(Array.from({ length: n }, worker));
}

function judgeRefusal(c: GuardrailCase, refusal: Refusal): string[] {
  if (!refusal.ok) return [`expected POLICY_VIOLATION: ${refusal.problem}`];
  return judgeDenied(c, { ok: false, error: refusal.error });
}

/** Runs one case; resolves to what is wrong with its result (empty when it passed). */
export async function runCase(bench: Bench, c: GuardrailCase): Promise<string[]> {
  const executionId = crypto.randomUUID();
  const r = await bench.executor.execute(c.code.join("\n"), { timeoutMs: 20_000, executionId });
  const ran = bench.probeCalls(executionId);
  if (c.verdict === "allow") return judgeAllowed(c, r);
  const problems: string[] = [];
  if (ran > 0 || r.stdout !== "" || r.stderr !== "" || r.tool_calls.length > 0) {
    problems.push(`refused code ran: ${ran} probe call(s), stdout ${JSON.stringify(r.stdout)}`);
  }
  if (c.verdict === "syntax_error") {
    if (r.error?.code !== "SYNTAX_ERROR") problems.push(`expected SYNTAX_ERROR, got ${brief(r)}`);
    return problems;
  }
  return [...problems, ...judgeDenied(c, r)];
}

function judgeAllowed(c: GuardrailCase, r: ExecResult): string[] {
  if (!r.ok) return [`expected it to run and succeed, got ${brief(r)}`];
  if ("result" in c && !isDeepStrictEqual(r.result, c.result)) {
    return [`expected result ${JSON.stringify(c.result)}, got ${JSON.stringify(r.result)}`];
  }
  return [];
}

function judgeDenied(c: GuardrailCase, r: Pick<ExecResult, "ok" | "error">): string[] {
  const error = r.error;
  if (r.ok || error?.code !== "POLICY_VIOLATION") {
    return [`expected POLICY_VIOLATION, got ${brief(r)}`];
  }
  const problems: string[] = [];
  const violations = error.violations ?? [];
  const rules = [...new Set(violations.map((v) => v.rule))].sort();
  const expected = [...new Set(c.rules ?? [])].sort();
  if (!isDeepStrictEqual(rules, expected)) {
    problems.push(`expected rules ${expected.join(", ")}, got ${rules.join(", ") || "none"}`);
  }
  if (c.count !== undefined && violations.length !== c.count) {
    problems.push(`expected ${c.count} violation(s), got ${violations.length}`);
  }
  const first = violations[0];
  if (c.at && (!first || first.line !== c.at[0] || first.col !== c.at[1])) {
    problems.push(
      `expected the first violation at ${c.at.join(":")}, got ${first?.line}:${first?.col}`,
    );
  }
  for (const v of violations) {
    const where = `line ${v.line}, col ${v.col}`;
    if (!v.message.includes(where)) problems.push(`message without "${where}": ${v.message}`);
    if (!v.message.includes("; ")) problems.push(`message without a fix: ${v.message}`);
    if (!error.message.includes(where)) problems.push(`error message does not list ${where}`);
  }
  if (!/^The code was not run: it breaks the sandbox policy/.test(error.message)) {
    problems.push(`unexpected message header: ${error.message.slice(0, 80)}`);
  }
  return problems;
}

function brief(r: Pick<ExecResult, "ok" | "error"> & { result?: unknown }): string {
  return r.ok
    ? `ok (result ${JSON.stringify(r.result)})`
    : `${r.error?.code}: ${(r.error?.message ?? "").slice(0, 300)}`;
}
