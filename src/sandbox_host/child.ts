/**
 * One sandbox child process seen from the host: spawning with no permissions, the init handshake
 * (nonce, limits, snapshot), reading its framed stdout line by line under a length cap, keeping
 * the tail of its stderr, and killing it. In worker isolation the process serves one interpreter
 * after another: a run that ended cleanly releases it ({@link SandboxChild.release}), the child
 * says `recycle`, the host answers with a `fence` naming the next interpreter's nonce, and the
 * child is ready again once that interpreter's Worker is its only one ({@link SandboxChild.nextInterpreter}).
 */
import {
  type ChildMessage,
  type HostMessage,
  parseFrame,
  type RunPolicy,
  type ToolRef,
} from "../relay/protocol.ts";
import { childCommand } from "./paths.ts";
import { processCpuMs } from "./process_cpu.ts";
import { nonZeroRuns } from "./snapshot_runs.ts";
import { FrameLines } from "./frame_lines.ts";
import { RecycleState } from "./recycle_state.ts";
import { type WorkersCheck, WorkerWatch } from "./worker_threads.ts";
import { InterpreterStart, type PhaseMark, type ReadyResult } from "./interpreter_start.ts";
import {
  initMessage,
  keepTail,
  newNonce,
  type SpawnOptions,
  spawnProcess,
  startFailure,
  stretches,
} from "./child_spawn.ts";

/** Something that happened to a child after it became ready. */
export type ChildEvent =
  | { kind: "message"; message: ChildMessage }
  | { kind: "violation"; reason: string }
  | { kind: "exit"; status: Deno.CommandStatus };

export type { PhaseMark, ReadyResult } from "./interpreter_start.ts";

export type { SpawnOptions } from "./child_spawn.ts";

/**
 * How long a worker-isolation child may take to read the host's fence. Only a read left pending
 * by an earlier program (which takes the fence) makes it late: the child is then killed.
 */
const FENCE_TIMEOUT_MS = 2000;
const encoder = new TextEncoder();

/** A spawned sandbox child. */
export class SandboxChild {
  readonly exited: Promise<Deno.CommandStatus>;
  /** Worker isolation: this process serves one interpreter after another. */
  readonly recyclable: boolean;
  #nonce = newNonce();
  #start!: InterpreterStart;
  #measureStart: boolean;
  #startTimeoutMs: number;
  #recycle = new RecycleState();
  #workers = new WorkerWatch();
  /** Clears the fence's timer when the child reports it read the fence. */
  #fenced = () => {};
  #killed = false;
  #next = Promise.withResolvers<boolean>();
  #prepared: ToolRef[] | undefined;
  #process: Deno.ChildProcess;
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  #handler: ((event: ChildEvent) => void) | null = null;
  #backlog: ChildEvent[] = [];
  #stderr = "";
  #alive = true;

  private constructor(options: SpawnOptions) {
    const { config, cwd } = options;
    this.#measureStart = options.measureStart === true;
    this.#startTimeoutMs = config.start_timeout_ms;
    this.recyclable = options.bundle !== undefined;
    const bundle = options.bundle ?? new Uint8Array(0);
    const snapshot = config.use_snapshot ? options.snapshot : new Uint8Array(0);
    const runs = nonZeroRuns(snapshot); // about half the snapshot is zeros: they do not travel
    const command = options.command ?? childCommand(config, "run");
    this.#process = spawnProcess(command, cwd);
    this.#writer = this.#process.stdin.getWriter();
    this.#newInterpreter();
    const stdoutDone = this.#readStdout();
    this.exited = this.#process.status.then(async (status) => {
      this.#alive = false;
      // The last lines (`done` among them) may still be in the pipe when the exit is seen:
      // deliver them first (bounded, in case something else holds the pipe open).
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([stdoutDone, new Promise((r) => (timer = setTimeout(r, 1000)))]);
      clearTimeout(timer);
      this.#start.fail(startFailure(status, this.#stderr));
      this.#next.resolve(false);
      this.#emit({ kind: "exit", status });
      return status;
    });
    const init = initMessage(config, this.#nonce, snapshot.length, runs, bundle.length);
    const parts = [
      encoder.encode(JSON.stringify(init) + "\n"),
      ...stretches(snapshot, runs),
      bundle,
    ];
    void (async () => {
      for (const part of parts) if (part.length) await this.#write(part);
    })();
    keepTail(this.#process.stderr, (tail) => (this.#stderr = tail));
  }

  /** Whether the current interpreter became ready. */
  get ready(): Promise<ReadyResult> {
    return this.#start.ready;
  }

  /** The phases of the current interpreter's start so far, each when the host heard of its end. */
  get startPhases(): PhaseMark[] {
    return this.#start.phases;
  }

  /** The nonce of the current interpreter's frames. */
  get nonce(): string {
    return this.#nonce;
  }

  /** True from {@link release} until the next interpreter is ready (or the child is gone). */
  get recycling(): boolean {
    return this.#recycle.between && this.#alive && !this.#killed;
  }

  /**
   * Resolves true once the child serves a fresh interpreter after {@link release} (worker
   * isolation), false when it exits instead.
   */
  nextInterpreter(): Promise<boolean> {
    return this.#next.promise;
  }

  /**
   * The current interpreter's run ended cleanly: in worker isolation the process goes on to a
   * fresh interpreter (it says `recycle` when its Worker is gone); otherwise it is killed.
   */
  release(): void {
    if (!this.recyclable) return this.kill();
    if (this.#killed) return;
    const asked = this.#recycle.release();
    this.#handler = null;
    this.#backlog = [];
    this.#prepared = undefined;
    if (asked) this.#fence();
  }

  /** Spawns a child; await `ready` before sending it a run. */
  static spawn(options: SpawnOptions): SandboxChild {
    return new SandboxChild(options);
  }

  /** The OS process id. */
  get pid(): number {
    return this.#process.pid;
  }

  /** False once the process has exited. */
  get alive(): boolean {
    return this.#alive;
  }

  /** The last few KiB the child wrote to stderr. */
  get stderrTail(): string {
    return this.#stderr;
  }

  /**
   * Sends the tool catalog ahead of the run (the child builds `tools` while it waits); a run with
   * the same catalog then leaves it out ({@link preparedFor}).
   */
  prepare(tools: ToolRef[], policy: RunPolicy | null): void {
    this.#prepared = tools;
    void this.send({ type: "prepare", tools, policy });
  }

  /** True when the child was prepared with this very catalog (same entries, same content). */
  preparedFor(tools: ToolRef[]): boolean {
    const prepared = this.#prepared;
    if (!prepared || prepared.length !== tools.length) return false;
    return tools.every((ref, i) =>
      ref === prepared[i] || JSON.stringify(ref) === JSON.stringify(prepared[i])
    );
  }

  /** Receives every event from now on (and those that happened since `ready`). */
  onEvent(handler: (event: ChildEvent) => void): void {
    this.#handler = handler;
    for (const event of this.#backlog.splice(0)) handler(event);
  }

  /** Sends one message; a dead child is ignored (its exit event tells the story). */
  send(message: HostMessage): Promise<void> {
    return this.#write(encoder.encode(JSON.stringify(message) + "\n"));
  }

  /** Kills the process with SIGKILL (idempotent). */
  kill(): void {
    this.#killed = true;
    if (!this.#alive) return;
    try {
      this.#process.kill("SIGKILL");
    } catch {
      // already gone
    }
  }

  async #write(bytes: Uint8Array): Promise<void> {
    try {
      await this.#writer.write(bytes);
    } catch {
      // the child is gone
    }
  }

  #emit(event: ChildEvent): void {
    if (this.#handler) this.#handler(event);
    else this.#backlog.push(event);
  }

  #violation(reason: string): void {
    this.#start.fail(reason);
    this.#emit({ kind: "violation", reason });
    this.kill();
  }

  async #readStdout(): Promise<void> {
    const frames = new FrameLines();
    try {
      for await (const chunk of this.#process.stdout) {
        const split = frames.push(chunk);
        // Lines before a refused one are handled first, in order (as they were written).
        for (const line of split.ok ? split.lines : []) if (!this.#line(line)) return;
        if (!split.ok) return this.#violation(split.reason);
      }
    } catch {
      // the pipe broke: the exit event follows
    }
  }

  /** Handles one line; false once the child is condemned. */
  #line(line: string): boolean {
    const frame = parseFrame(this.nonce, line);
    if (!frame.ok) {
      this.#violation(frame.reason);
      return false;
    }
    if (frame.message.type === "phase" || frame.message.type === "ready") {
      const name = frame.message.type === "phase" ? frame.message.name : "ready";
      if (name === "fence") this.#fenced();
      this.#start.mark(name);
      return true;
    }
    if (frame.message.type === "recycle") return this.#recycleAsked();
    if (frame.message.type === "done") this.#recycle.done();
    this.#emit({ kind: "message", message: frame.message });
    return true;
  }

  /** `recycle` is valid once the interpreter reported `done`; it waits for {@link release}. */
  #recycleAsked(): boolean {
    const answer = this.recyclable ? this.#recycle.ask() : "violation";
    if (answer === "violation") {
      this.#violation("the sandbox asked to recycle an interpreter that had not finished its run");
      return false;
    }
    if (answer === "fence") this.#fence();
    return true;
  }

  /**
   * The interpreter is gone and the host released it: fences the next one. The child reports the
   * fence read once the new interpreter's Worker runs; while it loads, the host checks that it is
   * the process's only Worker (`worker_threads.ts`) before it counts the child as ready.
   */
  #fence(): void {
    if (this.#killed) return;
    this.#recycle.fenced();
    this.#nonce = newNonce();
    this.#newInterpreter();
    const unread = "the sandbox did not read the fence (a read of stdin was left behind)";
    const late = setTimeout(() => this.#violation(unread), FENCE_TIMEOUT_MS);
    let alone: Promise<WorkersCheck> = Promise.resolve({ ok: false, reason: unread });
    this.#fenced = () => {
      clearTimeout(late);
      alone = this.#workers.next(this.pid);
    };
    this.#start.ready.then(async (ready) => {
      clearTimeout(late);
      const check = ready.ok ? await alone : undefined; // (the fence phase comes before ready)
      this.#recycle.settled();
      if (!check?.ok) return check && this.#violation(check.reason);
      const next = this.#next;
      this.#next = Promise.withResolvers<boolean>();
      next.resolve(true);
    });
    void this.send({ type: "fence", nonce: this.#nonce });
  }

  /** Starts waiting for an interpreter's `ready` (killing the child if it takes too long). */
  #newInterpreter(): void {
    const cpu = () => (this.#measureStart ? processCpuMs(this.pid) : undefined);
    this.#start = new InterpreterStart(this.#startTimeoutMs, () => this.kill(), cpu);
  }
}
