/**
 * The executor: checks a program's size against the guardrail policy, takes a fresh sandbox child
 * from the warm pool (which checks imports and names before running it) and hands both to a
 * {@link Run}; always resolves to an {@link ExecResult}, never throws.
 */
import type { ExecResult, ToolDispatcher } from "../contracts.ts";
import type { SandboxConfig } from "../config.ts";
import { defaultPolicy, type PolicyConfig } from "../policy/policy_config.ts";
import { checkSize, policyError } from "../policy/size_check.ts";
import type { SandboxChild } from "./child.ts";
import { WarmPool } from "./pool.ts";
import { Run, type RunOptions } from "./run.ts";
import { failure } from "./run_errors.ts";
import { emptyDir, ensureSnapshot } from "./snapshot.ts";

/** Options of one execution. */
export type ExecuteOptions = RunOptions;

/** Options for {@link Executor.create}. */
export interface ExecutorOptions {
  /** Answers tool calls; without one Python sees no tools. */
  dispatcher?: ToolDispatcher;
  /** The guardrail policy (default: {@link defaultPolicy}, everything on). */
  policy?: PolicyConfig;
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
  #dispatcher: ToolDispatcher;
  #running = new Map<Run, SandboxChild>();

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

  /** Runs `code` and resolves to its result (with its `execution_id`); never throws. */
  async execute(code: string, options: ExecuteOptions = {}): Promise<ExecResult> {
    const executionId = options.executionId ?? crypto.randomUUID();
    const result = await this.#execute(code, { ...options, executionId });
    return { ...result, execution_id: executionId };
  }

  async #execute(code: string, options: ExecuteOptions): Promise<ExecResult> {
    const started = performance.now();
    if (this.policy.enabled) {
      // Size is checked here, before any child is used; imports and names in the child.
      const violations = checkSize(code, this.policy);
      if (violations.length) return failure(policyError(violations), started);
    }
    const acquired = await this.pool.acquire();
    if (!acquired.ok) return failure({ code: "SANDBOX_CRASH", message: acquired.message }, started);
    const { child } = acquired;
    const context = { config: this.config, policy: this.policy, dispatcher: this.#dispatcher };
    const run = new Run({ ...context, started }, child);
    this.#running.set(run, child);
    try {
      return await run.start(code, options);
    } finally {
      child.kill();
      this.#running.delete(run);
      this.pool.refill();
    }
  }

  /** Kills every child; later executions fail with SANDBOX_CRASH. */
  async close(): Promise<void> {
    const children = [...this.#running.values()];
    for (const child of children) child.kill();
    await this.pool.close();
    await Promise.all(children.map((c) => c.exited));
  }
}
