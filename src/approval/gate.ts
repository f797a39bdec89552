/**
 * The approval gate: a {@link ToolDispatcher} put in front of the broker for one MCP request
 * (`execute_code` or `run_agent`). A call of a tool that needs approval is put to a person through
 * the request's own client (elicitation), one question at a time per execution in call order,
 * with the run's deadline paused while it waits; a decision for the rest of the execution or the
 * session answers later calls of the same tool, and a refusal holds for the rest of the
 * execution unless the person asked to be asked again. Arguments are checked against the tool's
 * schema first (names it does not declare refused), so nobody is asked about a call that cannot
 * go through as shown; at most `approval.max_questions_per_execution` questions per execution.
 * Every call is written to the audit log; none is performed once its run has ended.
 */
import type {
  ArgumentCheck,
  CallContext,
  ToolDispatcher,
  ToolOutcome,
  ToolRef,
} from "../contracts.ts";
import type { ApprovalConfig } from "./approval_config.ts";
import type { AuditLog, AuditRecord } from "./audit_log.ts";
import {
  approvalQuestion,
  askApproval,
  type Asker,
  type Decision,
  withoutAsking,
} from "./elicit.ts";
import { showKey } from "./question_text.ts";

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

/**
 * The per-execution state: tools approved for the execution, tools refused for it (with what the
 * person did), how many questions it has asked, and the queue of questions.
 */
interface ExecutionState {
  approved: Set<string>;
  refused: Map<string, string>;
  asked: number;
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
      const checked = this.#check(ref, args);
      const decision = checked.ok
        ? await this.#decide(ref, args, checked.undeclared, ctx)
        : checked;
      approval = decision.ok ? "approved" : "denied";
      if (!checked.ok) outcome = checked;
      else if (!decision.ok) {
        outcome = { ok: false, code: "APPROVAL_DENIED", message: decision.message };
      }
    }
    // A run that ended while the call waited (behind a question) gets nothing performed.
    outcome ??= ctx.signal.aborted ? ended(ref) : await this.#perform(ref, args, ctx);
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

  /**
   * The inner dispatcher's check of the arguments (schema, types), before anyone is asked; names
   * the schema does not declare are refused unless it welcomes them: the person could not know
   * what the tool does with them.
   */
  #check(ref: ToolRef, args: Record<string, unknown>): ArgumentCheck {
    const checked = this.#options.inner.check?.(ref, args) ??
      { ok: true, undeclared: [], undeclaredAllowed: true };
    if (!checked.ok || checked.undeclaredAllowed || !checked.undeclared.length) return checked;
    return { ok: false, code: "INVALID_ARGUMENTS", message: undeclaredMessage(ref, checked) };
  }

  /** Queues the question behind the execution's earlier ones (call order, one at a time). */
  #decide(
    ref: ToolRef,
    args: Record<string, unknown>,
    undeclared: readonly string[],
    ctx: CallContext,
  ): Promise<Decision> {
    const state = this.#execution(ctx);
    const turn = state.queue.then(() => this.#decideInTurn(ref, { args, undeclared }, ctx, state));
    state.queue = turn.catch(() => {});
    return turn;
  }

  async #decideInTurn(
    ref: ToolRef,
    call: { args: Record<string, unknown>; undeclared: readonly string[] },
    ctx: CallContext,
    state: ExecutionState,
  ): Promise<Decision> {
    const { asker, config } = this.#options;
    const id = key(ref);
    if (this.#options.session.approved.has(id) || state.approved.has(id)) return { ok: true };
    const name = `${ref.server}.${ref.tool}`;
    const earlier = state.refused.get(id);
    if (earlier !== undefined) {
      const message = `${name} was not called: the person ${earlier} earlier in this run, so ` +
        "calls of this tool are refused for the rest of the run without asking (a new " +
        "execution asks again).";
      return { ok: false, message };
    }
    const early = withoutAsking(asker, ref, config);
    if (early) return early;
    const built = approvalQuestion(ref, call.args, { config, undeclared: call.undeclared });
    if (!built.ok) return built;
    if (state.asked >= config.max_questions_per_execution) {
      const message = `${name} was not called: this run has already asked the person ` +
        `${state.asked} questions, the most approval.max_questions_per_execution ` +
        `(${config.max_questions_per_execution}) allows. Ask fewer questions in one run (a ` +
        "person can allow a tool for the rest of the run), or have the server's owner raise " +
        "the setting.";
      return { ok: false, message };
    }
    state.asked++;
    const resume = ctx.pauseDeadline?.() ?? (() => {});
    try {
      const decision = await askApproval(asker, ref, built.question, {
        config,
        signal: ctx.signal,
      });
      if (decision.ok && decision.scope === "execution") state.approved.add(id);
      if (decision.ok && decision.scope === "session") this.#options.session.approved.add(id);
      if (!decision.ok && decision.sticky !== undefined) state.refused.set(id, decision.sticky);
      return decision;
    } finally {
      resume();
    }
  }

  #execution(ctx: CallContext): ExecutionState {
    const id = ctx.execution ?? "";
    let state = this.#executions.get(id);
    if (!state) {
      state = { approved: new Set(), refused: new Map(), asked: 0, queue: Promise.resolve() };
      if (ctx.signal.aborted) return state; // the run has ended: nothing to remember
      this.#executions.set(id, state);
      ctx.signal.addEventListener("abort", () => this.#executions.delete(id), { once: true });
    }
    return state;
  }
}

function ended(ref: ToolRef): ToolOutcome {
  const message = `${ref.server}.${ref.tool} was not called: the run ended before it could be.`;
  return { ok: false, code: "CANCELLED", message };
}

function key(ref: ToolRef): string {
  return `${ref.server}\u0000${ref.tool}`;
}

/** Most undeclared names one error message lists, and the longest shown whole. */
const LISTED_NAMES = 5;
const NAME_CHARS = 80;

function undeclaredMessage(ref: ToolRef, checked: { undeclared: string[] }): string {
  const names = checked.undeclared.slice(0, LISTED_NAMES).map((raw) => {
    const shown = showKey(raw);
    return shown.length > NAME_CHARS
      ? `${shown.slice(0, NAME_CHARS)}… (${shown.length - NAME_CHARS} more characters)`
      : shown;
  });
  const more = checked.undeclared.length - names.length;
  const list = names.join(", ") + (more > 0 ? ` and ${more} more` : "");
  const label = `tools.${ref.py_server}.${ref.py_name}`;
  return `Invalid arguments for ${label}: ${list} ${
    checked.undeclared.length === 1 ? "is" : "are"
  } not in the tool's schema, and a call that needs a person's approval may pass only the ` +
    "arguments its schema declares (the tool might act on the others unseen). Expected " +
    `${ref.py_name}${ref.signature ?? "(…)"}; see help(${label}).`;
}
