/**
 * The audit trail (`approval.audit_log`): one JSON line per tool call made from the sandbox,
 * appended by the host — never by the child — in the order the calls ended (lines that arrive
 * while a write is under way go out together in the next one). Long values are cut
 * and the keys named in `approval.redact` hidden; a failed write is logged once and never fails
 * the call. One log per file for the whole process, shared by every session.
 */
import { log } from "../log.ts";
import { cutArguments } from "./arguments.ts";

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

/** Longest string value kept whole in a line. */
export const AUDIT_MAX_CHARS = 200;

const opened = new Map<string, AuditLog>();

/** Appends audit records to one file. */
export class AuditLog {
  #path: string;
  #redact: readonly string[];
  #pending: string[] = [];
  #writing: Promise<void> | undefined;
  #failed = false;

  constructor(path: string, redact: readonly string[] = []) {
    this.#path = path;
    this.#redact = redact;
  }

  /** The process-wide log of `path` (created on first use). */
  static shared(path: string, redact: readonly string[] = []): AuditLog {
    let found = opened.get(path);
    if (!found) opened.set(path, found = new AuditLog(path, redact));
    return found;
  }

  /** Queues one line; never throws. */
  record(record: AuditRecord): void {
    const line = JSON.stringify({
      ...record,
      arguments: cutArguments(record.arguments, {
        maxChars: AUDIT_MAX_CHARS,
        redact: this.#redact,
      }),
    }) + "\n";
    this.#pending.push(line);
    this.#writing ??= this.#drain();
  }

  /** Resolves when every queued line has been written (or has failed). */
  async flush(): Promise<void> {
    while (this.#writing) await this.#writing;
  }

  /** Appends the queued lines, those that come meanwhile in one write per round. */
  async #drain(): Promise<void> {
    while (this.#pending.length) {
      const text = this.#pending.join("");
      this.#pending = [];
      await this.#append(text);
    }
    this.#writing = undefined;
  }

  async #append(text: string): Promise<void> {
    try {
      await Deno.writeTextFile(this.#path, text, { append: true, create: true });
    } catch (error) {
      if (this.#failed) return;
      this.#failed = true; // once: a broken log must not flood stderr
      log(
        "warn",
        `The audit log ${this.#path} cannot be written (${(error as Error).message}); tool ` +
          "calls go on unrecorded. Fix approval.audit_log (a path the server may write, e.g. " +
          ".cache/audit.jsonl).",
      );
    }
  }
}
