/**
 * The executor: checks a program's size against the guardrail policy and its input files, admits
 * it (at most `max_concurrent` at once, the rest wait in order up to `queue_timeout_ms`), takes a
 * fresh sandbox child from the warm pool (which checks imports and names before running it), or a
 * session's child, and hands both to a {@link Run}; watches the memory of all children together
 * (idle session children included); on close answers every running and waiting execution with
 * SHUTTING_DOWN before the children are killed. Always resolves to an {@link ExecResult}.
 */
import type { ErrorCode, ExecResult, RunError, SkillSource, ToolDispatcher } from "../contracts.ts";
import type { SandboxConfig } from "../config.ts";
import { defaultPolicy, type PolicyConfig, runPolicy } from "../policy/policy_config.ts";
import { checkSize, policyError } from "../policy/size_check.ts";
import { Admission } from "./admission.ts";
import type { SandboxChild } from "./child.ts";
import { defaultTotalRssMb } from "./machine.ts";
import { MemoryWatch, type WatchedChild } from "./memory_watch.ts";
import { WarmPool } from "./pool.ts";
import { Run } from "./run.ts";
import type {
  ExecOutcome,
  ExecuteOptions,
  ExecutorOptions,
  RunOptions,
} from "./execution_options.ts";
import {
  failure,
  memoryMessage,
  refusalError,
  SHUTTING_DOWN,
  totalMemoryMessage,
} from "./run_errors.ts";
import { emptyDir, ensureSnapshot } from "./snapshot.ts";
import { ensureInterpreterBundle } from "./interpreter_bundle.ts";
import { checkInputFiles, outputFiles } from "./files.ts";
import { SessionRegistry } from "./sessions.ts";
import { type FilesConfig, FilesConfigSchema, SessionsConfigSchema } from "./sessions_config.ts";

const NO_TOOLS: ToolDispatcher = {
  catalog: () => [],
  call: () => Promise.resolve({ ok: false, code: "UNKNOWN_TOOL", message: "no tools configured" }),
};

export type { ExecOutcome, ExecuteOptions, ExecutorOptions } from "./execution_options.ts";

/** Runs Python programs in sandbox children. */
export class Executor {
  readonly config: SandboxConfig;
  readonly pool: WarmPool;
  readonly policy: PolicyConfig;
  /** The budget of all children's resident memory together, in MB. */
  readonly totalRssMb: number;
  /** Every session of every connection. */
  readonly sessions: SessionRegistry;
  /** File limits. */
  readonly files: FilesConfig;
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
    this.files = options.files;
    this.sessions = new SessionRegistry(options.sessions, async () => {
      const acquired = await pool.acquire();
      // A session's child never goes back and no longer counts as the pool's.
      if (acquired.ok) pool.detach(acquired.child);
      return acquired;
    });
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
    const bundle = config.isolation === "worker" ? await ensureInterpreterBundle() : undefined;
    if (bundle && !bundle.ok) return bundle;
    let cwd: string;
    try {
      cwd = await emptyDir(config);
    } catch (error) {
      return { ok: false, message: `The sandbox working directory cannot be made: ${error}` };
    }
    const totalRssMb = config.total_rss_mb ?? await defaultTotalRssMb(config.rss_limit_mb);
    const dispatcher = options.dispatcher ?? NO_TOOLS;
    const policy = options.policy ?? defaultPolicy();
    const prepare = (child: SandboxChild) => child.prepare(dispatcher.catalog(), runPolicy(policy));
    const pool = new WarmPool({
      config,
      snapshot: snapshot.bytes,
      cwd,
      prepare,
      ...(bundle ? { bundle: bundle.bytes } : {}),
    });
    const executor = new Executor(config, pool, {
      dispatcher,
      policy,
      skills: options.skills ?? (() => Promise.resolve([])),
      sessions: options.sessions ?? SessionsConfigSchema.parse({}),
      files: options.files ?? FilesConfigSchema.parse({}),
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
    return (await this.run(code, options)).result;
  }

  /** Like {@link execute}, with the content of the output files as well. */
  async run(code: string, options: ExecuteOptions = {}): Promise<ExecOutcome> {
    const executionId = options.executionId ?? crypto.randomUUID();
    const outcome = await this.#execute(code, { ...options, executionId });
    const files = outcome.files.map(({ path, bytes, mime_type, truncated }) => ({
      path,
      bytes,
      mime_type,
      ...(truncated ? { truncated } : {}),
    }));
    const result = {
      ...outcome.result,
      ...(files.length ? { files } : {}),
      execution_id: executionId,
    };
    return { result, files: outcome.files };
  }

  async #execute(code: string, options: ExecuteOptions): Promise<ExecOutcome> {
    const started = performance.now();
    const refused = (error: RunError) => ({ result: failure(error, started), files: [] });
    if (this.#closing) return refused(SHUTTING_DOWN);
    if (this.policy.enabled && !options.hostProgram) {
      // Size is checked here, before any child is used; imports and names in the child.
      const violations = checkSize(code, this.policy);
      if (violations.length) return refused(policyError(violations));
    }
    const badFiles = checkInputFiles(options.files, this.files.max_input_bytes);
    if (badFiles) return refused(badFiles);
    // A session's runs count toward max_concurrent like any other.
    const admitted = await this.#admission.enter(this.config.queue_timeout_ms, options.signal);
    if (!admitted.ok) {
      return refused(
        refusalError(admitted.reason, this.running, this.waiting, this.config),
      );
    }
    try {
      const skills = options.hostProgram ? [] : await this.#skills().catch(() => []);
      const withSkills = { ...options, skills };
      if (options.session) {
        return await this.#inSession(code, withSkills, options.session, started);
      }
      return await this.#fresh(code, withSkills, started);
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
      await Promise.all([this.pool.close(), this.sessions.close()]);
      await Promise.all(children.map((c) => c.exited));
    })();
    return this.#closing;
  }

  /** A run in a fresh child from the pool (which its run kills, or releases for recycling). */
  async #fresh(code: string, options: ExecuteOptions, started: number): Promise<ExecOutcome> {
    const acquired = await this.pool.acquire();
    if (this.#closing) {
      if (acquired.ok) acquired.child.kill();
      return { result: failure(SHUTTING_DOWN, started), files: [] };
    }
    if (!acquired.ok) {
      const error: RunError = { code: "SANDBOX_CRASH", message: acquired.message };
      return { result: failure(error, started), files: [] };
    }
    let outcome: ExecOutcome | undefined;
    try {
      outcome = await this.#run(acquired.child, code, options, started);
      return outcome; // the settled run has killed or released the child itself
    } finally {
      if (!outcome) acquired.child.kill();
    }
  }

  /** A run in a session's child, which stays alive for the next one unless the run ended it. */
  async #inSession(
    code: string,
    options: ExecuteOptions,
    { sessions, name, reset }: NonNullable<ExecuteOptions["session"]>,
    started: number,
  ): Promise<ExecOutcome> {
    const lease = await sessions.lease(name, reset);
    if (!lease.ok) return { result: failure(lease.error, started), files: [] };
    let outcome: (ExecOutcome & { kept: boolean }) | undefined;
    try {
      outcome = await this.#run(lease.session.child, code, { ...options, keep: true }, started);
      return {
        result: { ...outcome.result, session: { id: name, state: lease.state } },
        files: outcome.files,
      };
    } finally {
      lease.release(outcome?.kept === true && !this.#closing, outcome?.files);
    }
  }

  async #run(
    child: SandboxChild,
    code: string,
    options: RunOptions,
    started: number,
  ): Promise<ExecOutcome & { kept: boolean }> {
    const context = {
      config: this.config,
      policy: this.policy,
      dispatcher: this.#dispatcher,
      outBytes: this.files.max_output_bytes,
    };
    const run = new Run({ ...context, started }, child);
    this.#running.set(run, child);
    try {
      const result = run.start(code, options);
      this.#memory.poke();
      return { result: await result, files: outputFiles(run.files), kept: run.kept };
    } finally {
      this.#running.delete(run);
    }
  }

  #children(): WatchedChild[] {
    const running = [...this.#running].map(([run, child]) => ({
      pid: child.pid,
      stop: (code: ErrorCode, message: string) => run.stop(code, message),
    }));
    const busy = new Set(running.map((c) => c.pid));
    const idleSessions = this.sessions.pids.filter((pid) => !busy.has(pid));
    return [...running, ...[...this.pool.pids, ...idleSessions].map((pid) => ({ pid }))];
  }
}
