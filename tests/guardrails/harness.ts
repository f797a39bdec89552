/**
 * Runs guardrail corpus cases through the real executor (default policy, real sandbox children)
 * with a probe tool whose calls prove whether refused code ran, and judges each result.
 */
import { isDeepStrictEqual } from "node:util";
import { SandboxConfigSchema } from "../../src/config.ts";
import { defaultPolicy, type PolicyConfig } from "../../src/policy/policy_config.ts";

import type { ExecResult, ToolDispatcher, ToolRef } from "../../src/contracts.ts";
import { Executor } from "../../src/sandbox_host/executor.ts";
import type { GuardrailCase } from "./corpus.ts";

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
  const created = await Executor.create(SandboxConfigSchema.parse({ pool_size: CONCURRENCY }), {
    dispatcher,
    policy,
  });
  if (!created.ok) throw new Error(created.message);
  const executor = created.executor;
  return { executor, probeCalls: (id) => calls.get(id) ?? 0, close: () => executor.close() };
}

/**
 * Runs every case, {@link CONCURRENCY} at a time, and calls `report` in corpus order with what is
 * wrong with each (empty when it passed).
 */
export async function runCorpus(
  bench: Bench,
  cases: GuardrailCase[],
  report: (c: GuardrailCase, problems: string[]) => void,
): Promise<string[][]> {
  const results: Promise<string[]>[] = [];
  const slots = Array.from({ length: CONCURRENCY }, () => Promise.resolve());
  for (const [i, c] of cases.entries()) {
    const slot = i % CONCURRENCY;
    const result = slots[slot].then(() => runCase(bench, c).catch((error) => [`threw: ${error}`]));
    slots[slot] = result.then(() => {});
    results.push(result);
  }
  const all: string[][] = [];
  for (const [i, result] of results.entries()) {
    all.push(await result);
    report(cases[i], all[i]);
  }
  return all;
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

function judgeDenied(c: GuardrailCase, r: ExecResult): string[] {
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

function brief(r: ExecResult): string {
  return r.ok
    ? `ok (result ${JSON.stringify(r.result)})`
    : `${r.error?.code}: ${(r.error?.message ?? "").slice(0, 300)}`;
}
