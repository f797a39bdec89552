/**
 * The approval gate: a {@link ToolDispatcher} put in front of the broker for one MCP request
 * (`execute_code` or `run_agent`). A call of a tool that needs approval is put to a person through
 * the request's own client (elicitation), one question at a time per execution in call order,
 * with the run's deadline paused while it waits; a decision for the rest of the execution or the
 * session answers later calls of the same tool. Every call is written to the audit log.
 */
import type { CallContext, ToolDispatcher, ToolOutcome, ToolRef } from "../contracts.ts";
import type { ApprovalConfig } from "./approval_config.ts";
import type { AuditLog, AuditRecord } from "./audit_log.ts";
import { askApproval, type Asker, type Decision } from "./elicit.ts";

/** The decisions that last for one MCP session (one connection or HTTP session). */
export class SessionApprovals {
  /** Tools approved for the rest of the session (`server\0tool`). */
  readonly approved = new Set<string>();

  /** `label` names the session in the audit log (its MCP session id, or `stdio`). */
  constructor(readonly label = "stdio") {}
}

/** Options for {@link ApprovalGate}. */
export interface GateOptions {
  /** The dispatcher that performs approved calls (the broker). */
  inner: ToolDispatcher;
  /** How the person behind this request's client is asked. */
  asker: Asker;
  session: SessionApprovals;
  config: ApprovalConfig;
  /** Where every call is recorded (none when the audit log is off). */
  audit?: AuditLog;
  /** The session's name in the audit log when it differs from `session.label`. */
  sessionLabel?: string;
}

/** The per-execution state: tools approved for the execution and the queue of questions. */
interface ExecutionState {
  approved: Set<string>;
  queue: Promise<unknown>;
}

/** Asks a person before calls that need approval, then hands every call to `inner`. */
export class ApprovalGate implements ToolDispatcher {
  #options: GateOptions;
  #executions = new Map<string, ExecutionState>();

  constructor(options: GateOptions) {
    this.#options = options;
  }

  /** The tools of the inner dispatcher. */
  catalog(): ToolRef[] {
    return this.#options.inner.catalog();
  }

  /** Asks when needed, performs the call when allowed, records it; never throws. */
  async call(ref: ToolRef, args: Record<string, unknown>, ctx: CallContext): Promise<ToolOutcome> {
    const time = new Date().toISOString();
    const started = performance.now();
    let approval: AuditRecord["approval"] = "not_required";
    let outcome: ToolOutcome | undefined;
    if (ref.needs_approval) {
      const decision = await this.#decide(ref, args, ctx);
      approval = decision.ok ? "approved" : "denied";
      if (!decision.ok) outcome = { ok: false, code: "APPROVAL_DENIED", message: decision.message };
    }
    outcome ??= await this.#perform(ref, args, ctx);
    this.#record(
      { time, started, server: ref.server, tool: ref.tool, args, approval },
      outcome,
      ctx,
    );
    return outcome;
  }

  /**
   * Records a call the executor refused itself: an unknown tool in a line of its own (it took one
   * of the run's slots), calls past the cap counted in one line written when the run ends.
   */
  refused(
    call: { server: string; tool: string; args: Record<string, unknown> },
    outcome: ToolOutcome,
    ctx: CallContext,
  ): void {
    const time = new Date().toISOString();
    if (!outcome.ok && outcome.code === "TOOL_CALL_LIMIT") {
      const session = this.#options.sessionLabel ?? this.#options.session.label;
      const { server, tool } = call;
      const refused = { time, session, execution: ctx.execution ?? "", server, tool };
      return this.#options.audit?.refused({ ...refused, code: outcome.code }, ctx.signal);
    }
    const entry = { ...call, time, started: performance.now(), approval: "not_required" as const };
    this.#record(entry, outcome, ctx);
  }

  #record(
    call: {
      time: string;
      started: number;
      server: string;
      tool: string;
      args: Record<string, unknown>;
      approval: AuditRecord["approval"];
    },
    outcome: ToolOutcome,
    ctx: CallContext,
  ): void {
    this.#options.audit?.record({
      time: call.time,
      session: this.#options.sessionLabel ?? this.#options.session.label,
      execution: ctx.execution ?? "",
      server: call.server,
      tool: call.tool,
      arguments: call.args,
      approval: call.approval,
      ok: outcome.ok,
      ...(outcome.ok ? {} : { code: outcome.code }),
      ms: Math.round((performance.now() - call.started) * 10) / 10,
    });
  }

  async #perform(ref: ToolRef, args: Record<string, unknown>, ctx: CallContext) {
    try {
      return await this.#options.inner.call(ref, args, ctx);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return { ok: false, code: "TOOL_ERROR", message } as const;
    }
  }

  /** Queues the question behind the execution's earlier ones (call order, one at a time). */
  #decide(ref: ToolRef, args: Record<string, unknown>, ctx: CallContext): Promise<Decision> {
    const state = this.#execution(ctx);
    const turn = state.queue.then(() => this.#decideInTurn(ref, args, ctx, state));
    state.queue = turn.catch(() => {});
    return turn;
  }

  async #decideInTurn(
    ref: ToolRef,
    args: Record<string, unknown>,
    ctx: CallContext,
    state: ExecutionState,
  ): Promise<Decision> {
    const id = key(ref);
    if (this.#options.session.approved.has(id) || state.approved.has(id)) return { ok: true };
    const resume = ctx.pauseDeadline?.() ?? (() => {});
    try {
      const decision = await askApproval(this.#options.asker, ref, args, {
        config: this.#options.config,
        signal: ctx.signal,
      });
      if (decision.ok && decision.scope === "execution") state.approved.add(id);
      if (decision.ok && decision.scope === "session") this.#options.session.approved.add(id);
      return decision;
    } finally {
      resume();
    }
  }

  #execution(ctx: CallContext): ExecutionState {
    const id = ctx.execution ?? "";
    let state = this.#executions.get(id);
    if (!state) {
      state = { approved: new Set(), queue: Promise.resolve() };
      if (ctx.signal.aborted) return state; // the run has ended: nothing to remember
      this.#executions.set(id, state);
      ctx.signal.addEventListener("abort", () => this.#executions.delete(id), { once: true });
    }
    return state;
  }
}

function key(ref: ToolRef): string {
  return `${ref.server}\u0000${ref.tool}`;
}
