/**
 * One execution in one sandbox child: sends the program, relays its tool calls to the
 * dispatcher, enforces the host-side limits (timeout, tool calls, protocol, cancellation; memory
 * is watched by the executor, which calls `stop`) and settles exactly once to an
 * {@link ExecResult}; the child is killed when it settles, except a session's child whose run
 * ended normally (see `keep`) and a worker-isolation child whose run ended cleanly (it is
 * released, and serves a fresh interpreter next).
 */
import {
  type CallContext,
  type ErrorCode,
  type ExecResult,
  type ToolCallRecord,
  type ToolDispatcher,
  type ToolErrorCode,
  toolKey,
  type ToolOutcome,
  type ToolRef,
} from "../contracts.ts";
import { log } from "../log.ts";
import { runPolicy } from "../policy/policy_config.ts";
import {
  type ChildFile,
  type ChildMessage,
  type ChildRunResult,
  toolResultMessage,
} from "../relay/protocol.ts";
import { CallIds } from "./call_ids.ts";
import type { ChildEvent, SandboxChild } from "./child.ts";
import { Deadline } from "./deadline.ts";
import type { RunContext, RunOptions } from "./execution_options.ts";
import {
  CANCELLED_MESSAGE,
  crashMessage,
  elapsed,
  failure,
  memoryMessage,
  protocolMessage,
  round,
  timeoutMessage,
  toolCallLimitMessage,
} from "./run_errors.ts";

/** Run errors after which a session's child is not trusted with another run. */
const ENDS_SESSION = new Set(["TIMEOUT", "MEMORY_LIMIT", "OUTPUT_LIMIT", "SANDBOX_CRASH"]);

type ToolCall = Extract<ChildMessage, { type: "tool_call" }>;

/** How long after its deadline a child that has not stopped itself is killed. */
const TIMEOUT_GRACE_MS = 400;
const OUT_OF_MEMORY = /out of memory|heap limit|allocation failed/i;

/** The state of one execution. */
export class Run {
  #context: RunContext;
  #child: SandboxChild;
  #catalog = new Map<string, ToolRef>();
  #calls: ToolCallRecord[] = [];
  #callIds = new CallIds();
  /** Tool calls that arrived after the run settled (ignored, told once in the debug log). */
  #late = 0;
  /** Tool calls asked for so far, counted before any is dispatched. */
  #reserved = 0;
  #limitHit = false;
  #aborter = new AbortController();
  #resolve!: (result: ExecResult) => void;
  #done = false;
  #timers: ReturnType<typeof setTimeout>[] = [];
  #timeoutMessage = "";
  #deadline: Deadline | undefined;
  #dispatcher: ToolDispatcher;
  #executionId = "";
  #keep = false;
  #kept = false;
  /** The child reported the end itself (nothing stopped it from outside). */
  #clean = false;
  #onProgress: CallContext["onProgress"];
  #files: ChildFile[] | undefined;

  constructor(context: RunContext, child: SandboxChild) {
    this.#context = context;
    this.#child = child;
    this.#dispatcher = context.dispatcher;
  }

  /** True when the child was left alive for its session's next run. */
  get kept(): boolean {
    return this.#kept;
  }

  /** The files the run wrote under `/data/out`, as the child reported them. */
  get files(): ChildFile[] | undefined {
    return this.#files;
  }

  /** Sends `code` to the child; resolves when the run settles (never rejects). */
  start(code: string, options: RunOptions = {}): Promise<ExecResult> {
    const { config, policy } = this.#context;
    const result = new Promise<ExecResult>((resolve) => (this.#resolve = resolve));
    this.#dispatcher = options.dispatcher ?? this.#dispatcher;
    this.#executionId = options.executionId ?? crypto.randomUUID();
    this.#keep = options.keep === true;
    this.#onProgress = options.onProgress;
    const tools = this.#dispatcher.catalog();
    for (const ref of tools) this.#catalog.set(toolKey(ref.server, ref.tool), ref);
    this.#child.onEvent((event) => this.#onEvent(event));
    const timeout = Math.min(options.timeoutMs ?? config.timeout_ms, config.max_timeout_ms);
    this.#watch(timeout, options.signal);
    this.#child.send({
      type: "run",
      id: this.#executionId,
      code,
      // A child prepared with this catalog has built `tools` already: ~18 KB less per run.
      ...(this.#child.preparedFor(tools) ? {} : { tools }),
      policy: options.hostProgram ? null : runPolicy(policy),
      ...(options.skills?.length ? { skills: options.skills } : {}),
      deadline_ms: timeout,
      ...(this.#keep ? { keep: true } : {}),
      ...(options.files ? { files: options.files } : {}),
      out_bytes: this.#context.outBytes ?? 0,
    });
    return result;
  }

  /** Ends the run now with `code` (the child is killed); no effect once it has settled. */
  stop(code: ErrorCode, message: string): void {
    this.#settle(failure({ code, message }, this.#context.started, this.#calls));
  }

  /** Arms the deadline and cancellation. */
  #watch(timeout: number, signal: AbortSignal | undefined): void {
    this.#timeoutMessage = timeoutMessage(timeout);
    // The child interrupts Python itself at the deadline (so the output so far and the place it
    // was stuck come back); the host kills it if that does not end the run within the grace.
    // While a person is asked to approve a call the deadline is paused, here and in the child.
    this.#deadline = new Deadline({
      ms: timeout,
      onExpire: () =>
        this.#timers.push(
          setTimeout(() => this.stop("TIMEOUT", this.#timeoutMessage), TIMEOUT_GRACE_MS),
        ),
      onPause: () => void this.#child.send({ type: "pause" }),
      onResume: (ms) => void this.#child.send({ type: "resume", deadline_ms: ms }),
    });
    if (!signal) return;
    if (signal.aborted) return this.stop("CANCELLED", CANCELLED_MESSAGE);
    signal.addEventListener("abort", () => this.stop("CANCELLED", CANCELLED_MESSAGE), {
      once: true,
    });
  }

  #onEvent(event: ChildEvent): void {
    if (event.kind === "message") return this.#onMessage(event.message);
    if (this.#done) return this.#tellLate();
    if (event.kind === "violation") {
      return this.stop("PROTOCOL_VIOLATION", protocolMessage(event.reason));
    }
    if (OUT_OF_MEMORY.test(this.#child.stderrTail)) {
      return this.stop("MEMORY_LIMIT", memoryMessage(this.#context.config));
    }
    this.stop("SANDBOX_CRASH", crashMessage(event.status, this.#child.stderrTail));
  }

  #onMessage(message: ChildMessage): void {
    // Frames still buffered from a child that was stopped: the result has been given, nothing
    // is dispatched, refused or audited for them (nor does a late `done` change what was said).
    if (this.#done) {
      if (message.type === "tool_call") this.#late++;
      return;
    }
    if (message.type === "done") return this.#finish(message.result);
    if (message.type !== "tool_call") return;
    // Calls within the cap are remembered for the whole run, those past it in a bounded window.
    const counted = this.#reserved < this.#context.config.max_tool_calls;
    if (!this.#callIds.claim(message.call_id, counted)) {
      return this.stop(
        "PROTOCOL_VIOLATION",
        `The sandbox reused tool call id ${message.call_id} and was stopped.`,
      );
    }
    void this.#relay(message);
  }

  /** Says once (when the stopped child is gone) how many late tool calls were ignored. */
  #tellLate(): void {
    if (!this.#late) return;
    log(
      "debug",
      `Execution ${this.#executionId}: ${this.#late} tool call(s) arrived after the run ended ` +
        "and were ignored.",
    );
    this.#late = 0;
  }

  async #relay(message: ToolCall): Promise<void> {
    const outcome = await this.#outcome(message);
    if (!this.#done) await this.#child.send(toolResultMessage(message.call_id, outcome));
  }

  /**
   * Performs one tool call within the run's limits; never throws. Every call frame takes a slot
   * before anything is awaited, so concurrent and hand-made frames count alike and none past the
   * cap is dispatched.
   */
  async #outcome(call: ToolCall): Promise<ToolOutcome> {
    const { server, tool, args } = call;
    const max = this.#context.config.max_tool_calls;
    if (this.#reserved >= max) {
      this.#limitHit = true;
      return this.#refuse(call, "TOOL_CALL_LIMIT", toolCallLimitMessage(max));
    }
    this.#reserved++;
    const ref = this.#catalog.get(toolKey(server, tool));
    if (!ref) {
      return this.#refuse(
        call,
        "UNKNOWN_TOOL",
        `There is no tool ${server}.${tool}; list the tools with dir(tools).`,
      );
    }
    const started = performance.now();
    const outcome = await this.#dispatch(ref, args);
    this.#calls.push({ server, tool, ok: outcome.ok, ms: round(performance.now() - started) });
    return outcome;
  }

  /** A call the run refuses itself; the dispatcher is told (for the audit log). */
  #refuse(call: ToolCall, code: ToolErrorCode, message: string): ToolOutcome {
    const outcome: ToolOutcome = { ok: false, code, message };
    try {
      this.#dispatcher.refused?.(call, outcome, this.#callContext());
    } catch {
      // telling is best effort: the refusal stands
    }
    return outcome;
  }

  #callContext(): CallContext {
    return {
      signal: this.#aborter.signal,
      execution: this.#executionId,
      pauseDeadline: () => this.#deadline?.pause() ?? (() => {}),
      ...(this.#onProgress ? { onProgress: this.#onProgress } : {}),
    };
  }

  async #dispatch(ref: ToolRef, args: Record<string, unknown>): Promise<ToolOutcome> {
    try {
      return await this.#dispatcher.call(ref, args, this.#callContext());
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return { ok: false, code: "TOOL_ERROR", message };
    }
  }

  #finish(child: ChildRunResult): void {
    let { ok, error } = child;
    if (error?.code === "TIMEOUT") error = { ...error, message: this.#timeoutMessage };
    if (this.#limitHit && error?.code !== "TOOL_CALL_LIMIT") {
      ok = false;
      error = {
        code: "TOOL_CALL_LIMIT",
        message: toolCallLimitMessage(this.#context.config.max_tool_calls),
      };
    }
    this.#files = child.files;
    this.#kept = this.#keep && !ENDS_SESSION.has(error?.code ?? "");
    this.#clean = true;
    this.#settle({
      ok,
      stdout: child.stdout,
      stderr: child.stderr,
      ...(child.result !== undefined ? { result: child.result } : {}),
      ...(error ? { error } : {}),
      tool_calls: this.#calls,
      duration_ms: elapsed(this.#context.started),
      ...(child.truncated ? { truncated: true } : {}),
    });
  }

  #settle(result: ExecResult): void {
    if (this.#done) return;
    this.#done = true;
    this.#deadline?.stop();
    for (const timer of this.#timers) clearTimeout(timer);
    this.#aborter.abort();
    // A kept child serves its session's next run. A released one is released synchronously: a
    // worker-isolation child's `recycle` may be the very next line.
    if (!this.#kept) {
      if (this.#clean && !this.#keep) this.#child.release();
      else this.#child.kill();
    }
    this.#resolve(result);
  }
}
