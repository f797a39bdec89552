/**
 * The executor: checks a program's size against the guardrail policy, runs it in a fresh sandbox
 * child from the warm pool (which checks imports and names before running it), relays its tool
 * calls to a dispatcher, enforces the host-side limits (timeout, memory, tool calls, protocol)
 * and always resolves to an {@link ExecResult}; it never throws.
 */
import type { SandboxConfig } from "../config.ts";
import { defaultPolicy, type PolicyConfig, runPolicy } from "../policy/policy_config.ts";
import { checkSize, policyError } from "../policy/size_check.ts";
import type {
  ChildMessage,
  ChildRunResult,
  ErrorCode,
  PolicyViolation,
  RunError,
  ToolRef,
} from "../relay/protocol.ts";
import type { ChildEvent, SandboxChild } from "./child.ts";
import { WarmPool } from "./pool.ts";
import { emptyDir, ensureSnapshot } from "./snapshot.ts";

/** One tool call as it appears in a result. */
export interface ToolCallRecord {
  server: string;
  tool: string;
  ok: boolean;
  ms: number;
}

/** What an execution returns (DESIGN.md, "What execute_code returns"). */
export interface ExecResult {
  ok: boolean;
  stdout: string;
  stderr: string;
  result?: unknown;
  error?: RunError;
  tool_calls: ToolCallRecord[];
  duration_ms: number;
  truncated?: boolean;
}

/** A tool call's outcome as the dispatcher reports it. */
export type ToolOutcome = { ok: true; value: unknown } | {
  ok: false;
  code: string;
  message: string;
};

/** Answers the tool calls Python makes. */
export interface ToolDispatcher {
  /** The tools Python may call in the next run. */
  catalog(): ToolRef[];
  /** Performs one call; may throw (the executor turns it into a tool error). */
  call(
    ref: ToolRef,
    args: Record<string, unknown>,
    options: { signal: AbortSignal },
  ): Promise<ToolOutcome>;
}

/** Options of one execution. */
export interface ExecuteOptions {
  /** Wall-clock limit (clamped to the configured maximum). */
  timeoutMs?: number;
  /** Cancels the execution (the child is killed). */
  signal?: AbortSignal;
}

/** Options for {@link Executor.create}. */
export interface ExecutorOptions {
  /** Answers tool calls; without one Python sees no tools. */
  dispatcher?: ToolDispatcher;
  /** The guardrail policy (default: {@link defaultPolicy}, everything on). */
  policy?: PolicyConfig;
}

// Memory is measured with `ps` (Deno reads /proc only with --allow-all): not at all for short
// runs, then often enough to stop a bomb within a second.
const RSS_FIRST_POLL_MS = 400;
const RSS_POLL_MS = 250;
/** How long after its deadline a child that has not stopped itself is killed. */
const TIMEOUT_GRACE_MS = 400;
const NO_TOOLS: ToolDispatcher = {
  catalog: () => [],
  call: () => Promise.resolve({ ok: false, code: "UNKNOWN_TOOL", message: "no tools configured" }),
};

/** Runs Python programs in sandbox children. */
export class Executor {
  readonly config: SandboxConfig;
  readonly pool: WarmPool;
  readonly policy: PolicyConfig;
  #dispatcher: ToolDispatcher;
  #running = new Set<SandboxChild>();

  private constructor(
    config: SandboxConfig,
    pool: WarmPool,
    dispatcher: ToolDispatcher,
    policy: PolicyConfig,
  ) {
    this.config = config;
    this.pool = pool;
    this.#dispatcher = dispatcher;
    this.policy = policy;
  }

  /** Prepares the snapshot and starts the warm pool. */
  static async create(
    config: SandboxConfig,
    options: ExecutorOptions = {},
  ): Promise<{ ok: true; executor: Executor } | { ok: false; message: string }> {
    const snapshot = await ensureSnapshot(config);
    if (!snapshot.ok) return snapshot;
    let cwd: string;
    try {
      cwd = await emptyDir(config);
    } catch (error) {
      return { ok: false, message: `The sandbox working directory cannot be made: ${error}` };
    }
    const pool = new WarmPool({ config, snapshot: snapshot.bytes, cwd });
    const executor = new Executor(
      config,
      pool,
      options.dispatcher ?? NO_TOOLS,
      options.policy ?? defaultPolicy(),
    );
    return { ok: true, executor };
  }

  /** Runs `code` and resolves to its result; never throws. */
  async execute(code: string, options: ExecuteOptions = {}): Promise<ExecResult> {
    const started = performance.now();
    if (this.policy.enabled) {
      // Size is checked here, before any child is used; imports and names in the child.
      const violations = checkSize(code, this.policy);
      if (violations.length) return refusal(violations, started);
    }
    const acquired = await this.pool.acquire();
    if (!acquired.ok) {
      return failure("SANDBOX_CRASH", acquired.message, started);
    }
    const child = acquired.child;
    this.#running.add(child);
    try {
      return await new Run(this, child, this.#dispatcher, started).start(code, options);
    } finally {
      child.kill();
      this.#running.delete(child);
      this.pool.refill();
    }
  }

  /** Kills every child; later executions fail with SANDBOX_CRASH. */
  async close(): Promise<void> {
    for (const child of this.#running) child.kill();
    await this.pool.close();
    await Promise.all([...this.#running].map((c) => c.exited));
  }
}

/** The state of one execution. */
class Run {
  #executor: Executor;
  #child: SandboxChild;
  #dispatcher: ToolDispatcher;
  #started: number;
  #catalog = new Map<string, ToolRef>();
  #calls: ToolCallRecord[] = [];
  #callIds = new Set<number>();
  #limitHit = false;
  #memoryKilled = false;
  #aborter = new AbortController();
  #resolve!: (result: ExecResult) => void;
  #done = false;
  #timers: ReturnType<typeof setTimeout>[] = [];
  #timeoutMessage = "";

  constructor(
    executor: Executor,
    child: SandboxChild,
    dispatcher: ToolDispatcher,
    started: number,
  ) {
    this.#executor = executor;
    this.#child = child;
    this.#dispatcher = dispatcher;
    this.#started = started;
  }

  start(code: string, options: ExecuteOptions): Promise<ExecResult> {
    const config = this.#executor.config;
    const result = new Promise<ExecResult>((resolve) => (this.#resolve = resolve));
    const tools = this.#dispatcher.catalog();
    for (const ref of tools) this.#catalog.set(key(ref.server, ref.tool), ref);
    this.#child.onEvent((event) => this.#onEvent(event));
    const timeout = Math.min(options.timeoutMs ?? config.timeout_ms, config.max_timeout_ms);
    this.#timeoutMessage = `The program did not finish within ${timeout} ms and was stopped; ` +
      "make it do less per run, or pass a larger timeout_ms.";
    // The child interrupts Python itself at the deadline (so the output so far and the place it
    // was stuck come back); the host kills it if that does not end the run within the grace.
    this.#timers.push(
      setTimeout(() => this.#fail("TIMEOUT", this.#timeoutMessage), timeout + TIMEOUT_GRACE_MS),
    );
    this.#scheduleMemoryCheck(RSS_FIRST_POLL_MS);
    if (options.signal) {
      if (options.signal.aborted) this.#fail("TIMEOUT", "The execution was cancelled.");
      options.signal.addEventListener(
        "abort",
        () => this.#fail("TIMEOUT", "The execution was cancelled."),
        {
          once: true,
        },
      );
    }
    const policy = runPolicy(this.#executor.policy);
    this.#child.send({
      type: "run",
      id: crypto.randomUUID(),
      code,
      tools,
      policy,
      deadline_ms: timeout,
    });
    return result;
  }

  #onEvent(event: ChildEvent): void {
    if (event.kind === "message") return this.#onMessage(event.message);
    if (event.kind === "violation") {
      return this.#fail(
        "PROTOCOL_VIOLATION",
        `The sandbox broke the relay protocol (${event.reason}) ` +
          "and was stopped. Write output with print(); never write to the process's real stdout.",
      );
    }
    if (
      this.#memoryKilled ||
      /out of memory|heap limit|allocation failed/i.test(this.#child.stderrTail)
    ) {
      return this.#fail("MEMORY_LIMIT", this.#memoryMessage());
    }
    const how = event.status.signal ?? `exit code ${event.status.code}`;
    this.#fail(
      "SANDBOX_CRASH",
      `The sandbox process ended (${how}) before the program finished ` +
        "(did it call os._exit or Deno.exit?). Nothing was lost on the host; run it again without that." +
        stderrNote(this.#child.stderrTail),
    );
  }

  #onMessage(message: ChildMessage): void {
    if (message.type === "done") return this.#finish(message.result);
    if (message.type !== "tool_call") return;
    if (this.#callIds.has(message.call_id)) {
      return this.#fail(
        "PROTOCOL_VIOLATION",
        `The sandbox reused tool call id ${message.call_id} and was stopped.`,
      );
    }
    this.#callIds.add(message.call_id);
    void this.#relay(message);
  }

  async #relay(message: Extract<ChildMessage, { type: "tool_call" }>): Promise<void> {
    const { call_id, server, tool, args } = message;
    const ref = this.#catalog.get(key(server, tool));
    const started = performance.now();
    let outcome: { ok: true; value: unknown } | {
      ok: false;
      error: { code: string; message: string };
    };
    if (this.#calls.length >= this.#executor.config.max_tool_calls) {
      this.#limitHit = true;
      outcome = {
        ok: false,
        error: {
          code: "TOOL_CALL_LIMIT",
          message: `This run made more than ${this.#executor.config.max_tool_calls} tool calls; ` +
            "batch the work into fewer calls or split it across runs.",
        },
      };
    } else if (!ref) {
      outcome = {
        ok: false,
        error: {
          code: "UNKNOWN_TOOL",
          message: `There is no tool ${server}.${tool}; list the tools with dir(tools).`,
        },
      };
    } else {
      const reply = await this.#dispatch(ref, args);
      outcome = reply.ok
        ? reply
        : { ok: false, error: { code: reply.code, message: reply.message } };
      this.#calls.push({ server, tool, ok: reply.ok, ms: round(performance.now() - started) });
    }
    if (!this.#done) await this.#child.send({ type: "tool_result", call_id, ...outcome });
  }

  async #dispatch(ref: ToolRef, args: Record<string, unknown>): Promise<ToolOutcome> {
    try {
      return await this.#dispatcher.call(ref, args, { signal: this.#aborter.signal });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return { ok: false, code: "TOOL_ERROR", message };
    }
  }

  #scheduleMemoryCheck(delay: number): void {
    this.#timers.push(setTimeout(async () => {
      const rss = await this.#child.rssBytes();
      if (this.#done) return;
      if (rss !== undefined && rss > this.#executor.config.rss_limit_mb * 1024 * 1024) {
        this.#memoryKilled = true;
        return this.#fail("MEMORY_LIMIT", this.#memoryMessage());
      }
      this.#scheduleMemoryCheck(RSS_POLL_MS);
    }, delay));
  }

  #memoryMessage(): string {
    return `The program used more memory than allowed (${this.#executor.config.rss_limit_mb} MB resident, ` +
      `${this.#executor.config.memory_mb} MB for Python) and was stopped; process the data in smaller pieces.`;
  }

  #finish(child: ChildRunResult): void {
    let { ok, error } = child;
    if (error?.code === "TIMEOUT") error = { ...error, message: this.#timeoutMessage };
    if (this.#limitHit && error?.code !== "TOOL_CALL_LIMIT") {
      ok = false;
      error = {
        code: "TOOL_CALL_LIMIT",
        message: `This run made more than ${this.#executor.config.max_tool_calls} tool calls; ` +
          "batch the work into fewer calls or split it across runs.",
      };
    }
    this.#settle({
      ok,
      stdout: child.stdout,
      stderr: child.stderr,
      ...(child.result !== undefined ? { result: child.result } : {}),
      ...(error ? { error } : {}),
      tool_calls: this.#calls,
      duration_ms: round(performance.now() - this.#started),
      ...(child.truncated ? { truncated: true } : {}),
    });
  }

  #fail(code: ErrorCode, message: string): void {
    this.#settle({ ...failure(code, message, this.#started), tool_calls: this.#calls });
  }

  #settle(result: ExecResult): void {
    if (this.#done) return;
    this.#done = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#aborter.abort();
    this.#child.kill();
    this.#resolve(result);
  }
}

function failure(code: ErrorCode, message: string, started: number): ExecResult {
  return {
    ok: false,
    stdout: "",
    stderr: "",
    error: { code, message },
    tool_calls: [],
    duration_ms: round(performance.now() - started),
  };
}

function refusal(violations: PolicyViolation[], started: number): ExecResult {
  return {
    ok: false,
    stdout: "",
    stderr: "",
    error: policyError(violations),
    tool_calls: [],
    duration_ms: round(performance.now() - started),
  };
}

/** The last line the child wrote to its own stderr, for a crash message. */
function stderrNote(tail: string): string {
  const last = tail.trim().split("\n").at(-1)?.trim();
  return last ? ` Its last words: ${last.slice(0, 300)}` : "";
}

function key(server: string, tool: string): string {
  return `${server}\u0000${tool}`;
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
