/**
 * The executor: checks a program's size against the guardrail policy, admits it (at most
 * `max_concurrent` at once, the rest wait in order up to `queue_timeout_ms`), takes a fresh
 * sandbox child from the warm pool (which checks imports and names before running it) and hands
 * both to a {@link Run}; watches the memory of all children together; on close answers every
 * running and waiting execution with SHUTTING_DOWN before the children are killed. Always
 * resolves to an {@link ExecResult}, never throws.
 */
import type { ErrorCode, ExecResult, RunError, SkillSource, ToolDispatcher } from "../contracts.ts";
import type { SandboxConfig } from "../config.ts";
import { defaultPolicy, type PolicyConfig } from "../policy/policy_config.ts";
import { checkSize, policyError } from "../policy/size_check.ts";
import { Admission, type Refusal } from "./admission.ts";
import type { SandboxChild } from "./child.ts";
import { defaultTotalRssMb } from "./machine.ts";
import { MemoryWatch, type WatchedChild } from "./memory_watch.ts";
import { WarmPool } from "./pool.ts";
import { Run, type RunOptions } from "./run.ts";
import {
  busyMessage,
  CANCELLED_MESSAGE,
  failure,
  memoryMessage,
  SHUTTING_DOWN_MESSAGE,
  totalMemoryMessage,
} from "./run_errors.ts";
import { emptyDir, ensureSnapshot } from "./snapshot.ts";

/** Options of one execution. */
export type ExecuteOptions = RunOptions;

/** Options for {@link Executor.create}. */
export interface ExecutorOptions {
  /** Answers tool calls; without one Python sees no tools. */
  dispatcher?: ToolDispatcher;
  /** The guardrail policy (default: {@link defaultPolicy}, everything on). */
  policy?: PolicyConfig;
  /** The saved skills sent with every program (default: none). */
  skills?: () => Promise<SkillSource[]>;
}

const NO_TOOLS: ToolDispatcher = {
  catalog: () => [],
  call: () => Promise.resolve({ ok: false, code: "UNKNOWN_TOOL", message: "no tools configured" }),
};

/** Runs Python programs in sandbox children. */
export class Executor {
  readonly config: SandboxConfig;
  readonly pool: WarmPool;
  readonly policy: PolicyConfig;
  /** The budget of all children's resident memory together, in MB. */
  readonly totalRssMb: number;
  #dispatcher: ToolDispatcher;
  #skills: () => Promise<SkillSource[]>;
  #admission: Admission;
  #memory: MemoryWatch;
  #running = new Map<Run, SandboxChild>();
  #closing: Promise<void> | undefined;

  private constructor(
    config: SandboxConfig,
    pool: WarmPool,
    options: Required<ExecutorOptions> & { totalRssMb: number },
  ) {
    this.config = config;
    this.pool = pool;
    this.#dispatcher = options.dispatcher;
    this.#skills = options.skills;
    this.policy = options.policy;
    this.totalRssMb = options.totalRssMb;
    this.#admission = new Admission(config.max_concurrent);
    this.#memory = new MemoryWatch({
      limits: { perChildMb: config.rss_limit_mb, totalMb: this.totalRssMb },
      children: () => this.#children(),
      message: (verdict, sample) =>
        verdict.reason === "child"
          ? memoryMessage(config)
          : totalMemoryMessage(verdict.totalMb, this.totalRssMb, sample.rssMb),
    });
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
    const totalRssMb = config.total_rss_mb ?? await defaultTotalRssMb(config.rss_limit_mb);
    const pool = new WarmPool({ config, snapshot: snapshot.bytes, cwd });
    const executor = new Executor(config, pool, {
      dispatcher: options.dispatcher ?? NO_TOOLS,
      policy: options.policy ?? defaultPolicy(),
      skills: options.skills ?? (() => Promise.resolve([])),
      totalRssMb,
    });
    return { ok: true, executor };
  }

  /** Sets where the saved skills sent with every program come from. */
  useSkills(skills: () => Promise<SkillSource[]>): void {
    this.#skills = skills;
  }

  /** Executions running now. */
  get running(): number {
    return this.#admission.running;
  }

  /** Executions waiting for a slot. */
  get waiting(): number {
    return this.#admission.waiting;
  }

  /** Runs `code` and resolves to its result (with its `execution_id`); never throws. */
  async execute(code: string, options: ExecuteOptions = {}): Promise<ExecResult> {
    const executionId = options.executionId ?? crypto.randomUUID();
    const result = await this.#execute(code, { ...options, executionId });
    return { ...result, execution_id: executionId };
  }

  async #execute(code: string, options: ExecuteOptions): Promise<ExecResult> {
    const started = performance.now();
    if (this.#closing) return failure(SHUTTING_DOWN, started);
    if (this.policy.enabled && !options.hostProgram) {
      // Size is checked here, before any child is used; imports and names in the child.
      const violations = checkSize(code, this.policy);
      if (violations.length) return failure(policyError(violations), started);
    }
    const admitted = await this.#admission.enter(this.config.queue_timeout_ms, options.signal);
    if (!admitted.ok) return failure(this.#refusal(admitted.reason), started);
    try {
      const skills = options.hostProgram ? [] : await this.#skills().catch(() => []);
      return await this.#run(code, { ...options, skills }, started);
    } finally {
      admitted.release();
    }
  }

  /**
   * Answers every running and waiting execution with SHUTTING_DOWN, then kills every child;
   * later executions get SHUTTING_DOWN at once. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      const children = [...this.#running.values()];
      this.#admission.close();
      for (const run of this.#running.keys()) run.stop(SHUTTING_DOWN.code, SHUTTING_DOWN.message);
      this.#memory.close();
      for (const child of children) child.kill();
      await this.pool.close();
      await Promise.all(children.map((c) => c.exited));
    })();
    return this.#closing;
  }

  async #run(code: string, options: ExecuteOptions, started: number): Promise<ExecResult> {
    const acquired = await this.pool.acquire();
    if (this.#closing) {
      if (acquired.ok) acquired.child.kill();
      return failure(SHUTTING_DOWN, started);
    }
    if (!acquired.ok) return failure({ code: "SANDBOX_CRASH", message: acquired.message }, started);
    const { child } = acquired;
    const context = { config: this.config, policy: this.policy, dispatcher: this.#dispatcher };
    const run = new Run({ ...context, started }, child);
    this.#running.set(run, child);
    try {
      const result = run.start(code, options);
      this.#memory.poke();
      return await result;
    } finally {
      child.kill();
      this.#running.delete(run);
    }
  }

  #refusal(reason: Refusal): RunError {
    if (reason === "closed") return SHUTTING_DOWN;
    if (reason === "cancelled") return { code: "CANCELLED", message: CANCELLED_MESSAGE };
    const { max_concurrent, queue_timeout_ms } = this.config;
    return {
      code: "BUSY",
      message: busyMessage(this.running, this.waiting, max_concurrent, queue_timeout_ms),
    };
  }

  #children(): WatchedChild[] {
    const running = [...this.#running].map(([run, child]) => ({
      pid: child.pid,
      stop: (code: ErrorCode, message: string) => run.stop(code, message),
    }));
    return [...running, ...this.pool.pids.map((pid) => ({ pid }))];
  }
}

const SHUTTING_DOWN: RunError = { code: "SHUTTING_DOWN", message: SHUTTING_DOWN_MESSAGE };
