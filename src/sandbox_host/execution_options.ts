/**
 * What an execution is given and gives back, shared by the executor and its runs: a run's context
 * and options, an execution's options (a session) and outcome (its files), the executor's options.
 */
import type { CallContext, ExecResult, SkillSource, ToolDispatcher } from "../contracts.ts";
import type { SandboxConfig } from "../config.ts";
import type { PolicyConfig } from "../policy/policy_config.ts";
import type { OutputFile } from "./files.ts";
import type { ConnectionSessions } from "./sessions.ts";
import type { FilesConfig, SessionsConfig } from "./sessions_config.ts";

/** What a run needs from its executor. */
export interface RunContext {
  config: SandboxConfig;
  policy: PolicyConfig;
  dispatcher: ToolDispatcher;
  /** The `performance.now()` at which the execution was asked for. */
  started: number;
  /** Bytes of output file content the child sends back. */
  outBytes?: number;
}

/** Options of one run. */
export interface RunOptions {
  /** Wall-clock limit (clamped to the configured maximum). */
  timeoutMs?: number;
  /** Cancels the run (CANCELLED; the child is killed). */
  signal?: AbortSignal;
  /** Answers this run's tool calls instead of the executor's dispatcher (e.g. asking approval). */
  dispatcher?: ToolDispatcher;
  /** The execution's id (default: a fresh UUID). */
  executionId?: string;
  /** The saved skills sent with the program (the executor fills them in). */
  skills?: SkillSource[];
  /** A program the host wrote itself (checking skills): no policy, no size check, no skills. */
  hostProgram?: boolean;
  /** Files written under `/data` before the program runs (relative path → text). */
  files?: Record<string, string>;
  /** A session's run: the child stays alive after a normal end (see {@link Run.kept}). */
  keep?: boolean;
  /** Told the progress reports of this run's tool calls (see {@link CallContext.onProgress}). */
  onProgress?: CallContext["onProgress"];
}

/** Options of one execution. */
export interface ExecuteOptions extends RunOptions {
  /** Run in this connection's session `name` (started, or with `reset` started anew, if needed). */
  session?: { sessions: ConnectionSessions; name: string; reset?: boolean };
}

/** An execution's result with the content of the files it wrote under `/data/out`. */
export interface ExecOutcome {
  result: ExecResult;
  files: OutputFile[];
}

/** Options for {@link Executor.create}. */
export interface ExecutorOptions {
  /** Answers tool calls; without one Python sees no tools. */
  dispatcher?: ToolDispatcher;
  /** The guardrail policy (default: {@link defaultPolicy}, everything on). */
  policy?: PolicyConfig;
  /** The saved skills sent with every program (default: none). */
  skills?: () => Promise<SkillSource[]>;
  /** Session limits (defaults of the `sessions` section). */
  sessions?: SessionsConfig;
  /** File limits (defaults of the `files` section). */
  files?: FilesConfig;
}
