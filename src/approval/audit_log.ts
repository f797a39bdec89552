/**
 * The audit trail (`approval.audit_log`): one JSON line per tool call made from the sandbox,
 * appended by the host — never by the child — in the order the calls ended (written in rounds:
 * the lines of a few milliseconds, and those that arrive while a write is under way, go out
 * together in one write). Every line is bounded (long values and keys cut, big objects and lists
 * shortened, the keys named in `approval.redact` hidden, the whole at most
 * {@link AUDIT_MAX_LINE_BYTES}) and says what was cut; calls refused past a run's
 * `max_tool_calls` are summed up in one line when the run ends; the file is held to
 * `approval.audit_max_bytes` (see `audit_file.ts`). Nothing goes silently: lines that could not
 * be written (a failed write, a full queue) are counted in a line written once the log can be
 * written again. A failed write is logged once and never fails the call. One log per file for
 * the whole process, shared by every session.
 */
import { log } from "../log.ts";
import { cutArgumentsCounted, type CutCounts, cutString } from "./arguments.ts";
import { AuditFile, AuditWriteError } from "./audit_file.ts";
import { RefusalTally, type RefusedCall } from "./audit_refusals.ts";

/** One line of the audit log. */
export interface AuditRecord {
  /** When the call was made (ISO 8601). */
  time: string;
  /** The MCP session id, or `stdio`. */
  session: string;
  /** The execution's id (as in execute_code's `execution_id`). */
  execution: string;
  server: string;
  tool: string;
  /** As Python passed them (cut and redacted when written). */
  arguments: Record<string, unknown>;
  approval: "not_required" | "approved" | "denied";
  ok: boolean;
  /** The error code when the call failed. */
  code?: string;
  /** From the call to its outcome, approval included. */
  ms: number;
}

/** What a written call line adds: what its arguments lost (absent when nothing). */
export type AuditCut = CutCounts & {
  /** The arguments were still too big once cut, and were left out whole (their size then). */
  arguments_bytes?: number;
};

/** The line that counts lines which could not be written. */
export interface DroppedLine {
  time: string;
  summary: "dropped";
  /** Lines lost (at most: a write that failed part way counts whole). */
  lines: number;
  bytes: number;
  /** When the first was lost. */
  since: string;
  /** Why (at most three different reasons). */
  reasons: string[];
}

/** Longest string value kept whole in a line. */
export const AUDIT_MAX_CHARS = 200;
/** Longest line of the audit log, in bytes (the newline included). */
export const AUDIT_MAX_LINE_BYTES = 16 * 1024;
/** Default of `approval.audit_max_bytes`. */
export const AUDIT_MAX_BYTES = 64 * 1024 * 1024;
/** The arguments' share of a line. */
const ARGUMENT_BYTES = 12 * 1024;
/**
 * How long a write round waits for more lines: a round takes the file's lock and its size, and
 * calls made one after another would otherwise pay that each (measured: the relay round trip
 * with the log on went from 0.13 to 0.20 ms median with a round per line, 0.11 ms with this).
 */
const BATCH_MS = 2;
/** Lines waiting for a slow disk: past this they are counted and dropped. */
const MAX_PENDING_BYTES = 4 * 1024 * 1024;

const encoder = new TextEncoder();
const opened = new Map<string, AuditLog>();

/** Options for {@link AuditLog}. */
export interface AuditOptions {
  /** Size bound of the file (default {@link AUDIT_MAX_BYTES}). */
  maxBytes?: number;
  /** Lines waiting to be written at most, in bytes (default 4 MiB). */
  maxPendingBytes?: number;
}

/** Appends audit records to one file. */
export class AuditLog {
  #path: string;
  #redact: readonly string[];
  #file: AuditFile;
  #maxPending: number;
  #pending: string[] = [];
  #pendingBytes = 0;
  /** Lines of the write under way. */
  #inFlight = 0;
  #writing: Promise<void> | undefined;
  #failed = false;
  #dropped: DroppedLine | undefined;
  #tallies = new Map<string, RefusalTally>();

  constructor(path: string, redact: readonly string[] = [], options: AuditOptions = {}) {
    this.#path = path;
    this.#redact = redact;
    this.#file = new AuditFile(path, options.maxBytes ?? AUDIT_MAX_BYTES);
    this.#maxPending = options.maxPendingBytes ?? MAX_PENDING_BYTES;
  }

  /** The process-wide log of `path` (created on first use). */
  static shared(
    path: string,
    redact: readonly string[] = [],
    options: AuditOptions = {},
  ): AuditLog {
    let found = opened.get(path);
    if (!found) opened.set(path, found = new AuditLog(path, redact, options));
    return found;
  }

  /** Queues one line; never throws. */
  record(record: AuditRecord): void {
    this.#queue(callLine(record, this.#redact));
  }

  /**
   * Counts a call refused past the run's cap; the run's one line about them is queued when
   * `signal` (the run's) aborts, or right away when it already has.
   */
  refused(call: RefusedCall, signal: AbortSignal): void {
    const key = `${call.session}\u0000${call.execution}\u0000${call.code}`;
    let tally = this.#tallies.get(key);
    if (!tally) {
      const started = tally = new RefusalTally(call);
      this.#tallies.set(key, started);
      const end = () => {
        this.#tallies.delete(key);
        this.#queue(JSON.stringify(started.line(new Date().toISOString())) + "\n");
      };
      // Late frames of a run that has ended are summed up in a line of their own.
      if (signal.aborted) setTimeout(end, 0);
      else signal.addEventListener("abort", end, { once: true });
    }
    tally.add(call);
  }

  /** Resolves when every queued line has been written (or has failed). */
  async flush(): Promise<void> {
    while (this.#writing) await this.#writing;
  }

  /**
   * Flushes every log of the process (at shutdown), waiting at most `ms`; a log still writing
   * then says on stderr how many lines it could not write.
   */
  static async flushAll(ms: number): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<"late">((resolve) => timer = setTimeout(() => resolve("late"), ms));
    const logs = [...opened.values()];
    const done = await Promise.race([Promise.all(logs.map((l) => l.flush())), late]);
    clearTimeout(timer);
    if (done !== "late") return;
    for (const audit of logs) {
      const lines = audit.#pending.length + audit.#inFlight;
      if (!lines) continue;
      log(
        "warn",
        `The audit log ${audit.#path} was still being written ${ms} ms into the shutdown; ` +
          `${lines} lines are lost.`,
      );
    }
  }

  #queue(line: string): void {
    const bytes = encoder.encode(line).length;
    if (this.#pendingBytes + bytes > this.#maxPending) {
      return this.#drop(1, bytes, "the queue of lines to write was full (the disk is slow)");
    }
    this.#pending.push(line);
    this.#pendingBytes += bytes;
    this.#writing ??= this.#drain();
  }

  /** Appends the queued lines, those that come meanwhile in one write per round. */
  async #drain(): Promise<void> {
    while (this.#pending.length) {
      await new Promise((resolve) => setTimeout(resolve, BATCH_MS));
      const lines = this.#pending;
      this.#pending = [];
      this.#pendingBytes = 0;
      const dropped = this.#dropped;
      this.#dropped = undefined;
      const note = dropped ? [JSON.stringify(dropped) + "\n"] : [];
      this.#inFlight = lines.length;
      try {
        await this.#file.append([...note, ...lines]);
      } catch (error) {
        const written = error instanceof AuditWriteError ? error.written : 0;
        if (dropped && written === 0) this.#dropped = merge(dropped, this.#dropped);
        this.#failedWrite(error, lines.slice(Math.max(0, written - note.length)));
      }
      this.#inFlight = 0;
    }
    this.#writing = undefined;
  }

  /** Counts the lines a failed write lost and warns the first time. */
  #failedWrite(error: unknown, lost: string[]): void {
    const message = error instanceof Error ? error.message : String(error);
    const bytes = lost.reduce((sum, line) => sum + encoder.encode(line).length, 0);
    this.#drop(lost.length, bytes, `writing failed: ${message}`);
    if (this.#failed) return;
    this.#failed = true; // once: a broken log must not flood stderr
    log(
      "warn",
      `The audit log ${this.#path} cannot be written (${message}); tool calls go on, and a ` +
        "line in the log will count those left out once it can be written again. Make sure the " +
        "server may create and write the file, its folder and the .1 and .lock files next to " +
        "it, or change approval.audit_log.",
    );
  }

  #drop(lines: number, bytes: number, reason: string): void {
    if (lines <= 0) return;
    const now = new Date().toISOString();
    const reasons = [cutString(reason, AUDIT_MAX_CHARS)];
    const line: DroppedLine = { time: now, summary: "dropped", lines, bytes, since: now, reasons };
    this.#dropped = merge(this.#dropped ?? line, this.#dropped ? line : undefined);
  }
}

/** Two counts of lost lines as one (`later` may be absent). */
function merge(earlier: DroppedLine, later: DroppedLine | undefined): DroppedLine {
  if (!later) return earlier;
  const reasons = [...new Set([...earlier.reasons, ...later.reasons])].slice(0, 3);
  return {
    time: later.time,
    summary: "dropped",
    lines: earlier.lines + later.lines,
    bytes: earlier.bytes + later.bytes,
    since: earlier.since,
    reasons,
  };
}

/** A call's line: arguments cut and redacted, names cut, at most {@link AUDIT_MAX_LINE_BYTES}. */
export function callLine(record: AuditRecord, redact: readonly string[] = []): string {
  const { value, cut } = cutArgumentsCounted(record.arguments, {
    maxChars: AUDIT_MAX_CHARS,
    maxBytes: ARGUMENT_BYTES,
    redact,
  });
  const names = {
    server: cutString(record.server, AUDIT_MAX_CHARS),
    tool: cutString(record.tool, AUDIT_MAX_CHARS),
    ...(record.code ? { code: cutString(record.code, AUDIT_MAX_CHARS) } : {}),
  };
  const line = JSON.stringify({ ...record, ...names, arguments: value, ...(cut ? { cut } : {}) });
  const size = encoder.encode(line).length + 1;
  if (size <= AUDIT_MAX_LINE_BYTES) return line + "\n";
  // A safety net: the arguments' own bound leaves room for the rest of the line.
  const left = encoder.encode(JSON.stringify(value)).length;
  const whole: AuditCut = { ...cut, arguments_bytes: left };
  const arguments_ = { "…": `[… arguments of ${left} bytes left out]` };
  return JSON.stringify({ ...record, ...names, arguments: arguments_, cut: whole }) + "\n";
}
