/**
 * The approval gate performs nothing for a run that has ended: a call queued behind an open
 * question (here of a tool the person allowed for the session, so it would go through without
 * asking) is not handed to the inner dispatcher once the run's signal has aborted; it is
 * refused as CANCELLED and still written to the audit log.
 */
import assert from "node:assert/strict";
import { ApprovalConfigSchema } from "../src/approval/approval_config.ts";
import type { AuditRecord } from "../src/approval/audit_log.ts";
import type { Asker, ElicitAnswer } from "../src/approval/elicit.ts";
import { ApprovalGate, SessionApprovals } from "../src/approval/gate.ts";
import type { CallContext, ToolDispatcher, ToolRef } from "../src/contracts.ts";

const ref = (tool: string): ToolRef => ({
  server: "srv",
  tool,
  py_server: "srv",
  py_name: tool,
  doc: `The ${tool} tool.`,
  needs_approval: true,
});

Deno.test("a call queued behind a question is not performed once the run has ended", async () => {
  let performed = 0;
  const inner: ToolDispatcher = {
    catalog: () => [ref("asked"), ref("allowed")],
    call: () => {
      performed++;
      return Promise.resolve({ ok: true, value: "done" });
    },
  };
  const question = Promise.withResolvers<ElicitAnswer>();
  let asked = 0;
  const asker: Asker = {
    unavailable: () => undefined,
    ask: () => (asked++, question.promise),
  };
  const session = new SessionApprovals();
  session.approved.add("srv\u0000allowed");
  const records: AuditRecord[] = [];
  const audit = { record: (r: AuditRecord) => void records.push(r) };
  const gate = new ApprovalGate({
    inner,
    asker,
    session,
    config: ApprovalConfigSchema.parse({}),
    audit: audit as never,
  });
  const run = new AbortController();
  const ctx: CallContext = { signal: run.signal, execution: "e1" };
  const first = gate.call(ref("asked"), {}, ctx);
  const second = gate.call(ref("allowed"), {}, ctx);
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.equal(asked, 1, "the first call's question is open");
  run.abort();
  // The person answers as the run ends: the answer no longer lets anything through.
  question.resolve({ action: "accept", content: { approve: true, scope: "execution" } });
  const outcomes = await Promise.all([first, second]);
  assert.equal(performed, 0, "nothing performed after the run ended");
  for (const outcome of outcomes) {
    assert.equal(outcome.ok, false);
    if (!outcome.ok) assert.equal(outcome.code, "CANCELLED", outcome.message);
  }
  assert.equal(records.length, 2, "both calls are in the audit log");
});
