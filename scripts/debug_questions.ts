/**
 * The debug client's approval questions at a terminal: each question is shown escaped on one
 * line, one at a time, and answered by a line typed at the terminal (read without blocking the
 * client, so Ctrl-C and a withdrawn question still reach it); the time questions wait for the
 * person is measured, so a run's duration can be shown without it.
 */
import { terminalLine, terminalText } from "../src/formatting/terminal_text.ts";

/** What the client sends back for one question (the `elicitation/create` result). */
export type Answer =
  | { action: "accept"; content: { approve: true; scope: Scope } }
  | { action: "decline" }
  | { action: "cancel" };

/** How long an approval holds. */
export type Scope = "once" | "execution" | "session";

/** The question's last line, the one a person answers. */
export const PROMPT = "  [y]es once, yes for this [r]un, yes for this [s]ession, [n]o: ";

const SCOPES: Record<string, Scope> = { y: "once", r: "execution", s: "session" };

const SAID: Record<Scope, string> = {
  once: "approved once",
  execution: "approved for the rest of this run",
  session: "approved for the rest of this session",
};

/** The meaning of a typed reply: a scope, "no", or undefined when it is none of the choices. */
export function readReply(reply: string): Scope | "no" | undefined {
  const first = reply.trim().toLowerCase().slice(0, 1);
  if (first === "" || first === "n") return "no";
  return SCOPES[first];
}

/** Adds up the time during which at least one question waited for the person. */
export class WaitClock {
  #open = 0;
  #since = 0;
  #total = 0;
  #now: () => number;

  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
  }

  /** A question starts waiting; the function it returns ends that wait. */
  start(): () => void {
    if (this.#open++ === 0) this.#since = this.#now();
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      if (--this.#open === 0) this.#total += this.#now() - this.#since;
    };
  }

  /** Milliseconds waited so far (a wait still open counts up to now). */
  total(): number {
    return this.#total + (this.#open > 0 ? this.#now() - this.#since : 0);
  }
}

/** Lines typed at the terminal, read only while a question wants one. */
export class LineReader {
  #lines: string[] = [];
  #partial = "";
  #reading: Promise<void> | undefined;
  #ended = false;
  #discard = false;
  #decoder = new TextDecoder();
  #read: (buffer: Uint8Array) => Promise<number | null>;

  constructor(read: (buffer: Uint8Array) => Promise<number | null> = (b) => Deno.stdin.read(b)) {
    this.#read = read;
  }

  /** The next line, or null once input has ended (Ctrl-D) or `signal` aborts. */
  async next(signal: AbortSignal): Promise<string | null> {
    const aborted = new Promise<void>((resolve) =>
      signal.addEventListener("abort", () => resolve(), { once: true })
    );
    while (!this.#lines.length && !this.#ended && !signal.aborted) {
      this.#reading ??= this.#fill().finally(() => (this.#reading = undefined));
      await Promise.race([this.#reading, aborted]);
    }
    if (signal.aborted) return null;
    return this.#lines.shift() ?? null;
  }

  /** Drops the line a read still waiting brings (typed for a question that is gone). */
  discardPending(): void {
    if (this.#reading) this.#discard = true;
  }

  async #fill(): Promise<void> {
    const buffer = new Uint8Array(4096);
    const count = await this.#read(buffer).catch(() => null);
    if (count === null) {
      this.#ended = true;
      return;
    }
    const pieces = (this.#partial + this.#decoder.decode(buffer.subarray(0, count))).split("\n");
    this.#partial = pieces.pop()!;
    if (this.#discard) this.#discard = false;
    else this.#lines.push(...pieces);
  }
}

/** Options of {@link TerminalQuestions}. */
export interface QuestionOptions {
  /** Where the question and its echo are written. */
  write: (text: string) => void;
  /** Typed lines (default: the terminal's stdin). */
  lines?: LineReader;
  /** Counts the time spent waiting for the person. */
  clock: WaitClock;
}

/** Puts approval questions to the person at the terminal, one at a time. */
export class TerminalQuestions {
  #options: QuestionOptions;
  #lines: LineReader;
  #turn: Promise<unknown> = Promise.resolve();

  constructor(options: QuestionOptions) {
    this.#options = options;
    this.#lines = options.lines ?? new LineReader();
  }

  /** Asks `message` once the questions before it are answered; never throws. */
  ask(message: string, signal: AbortSignal): Promise<Answer> {
    const stop = this.#options.clock.start();
    const asked = this.#turn.then(() => this.#askNow(message, signal)).finally(stop);
    this.#turn = asked;
    return asked;
  }

  async #askNow(message: string, signal: AbortSignal): Promise<Answer> {
    const { write } = this.#options;
    if (signal.aborted) return { action: "cancel" };
    write(`\n? ${terminalText(message)}\n`);
    while (true) {
      write(PROMPT);
      const line = await this.#lines.next(signal);
      if (signal.aborted) {
        this.#lines.discardPending();
        write("\n  (the server withdrew the question; nothing was answered)\n");
        return { action: "cancel" };
      }
      if (line === null) {
        write("\n  declined (the input ended)\n");
        return { action: "decline" };
      }
      const reply = readReply(line);
      if (reply === "no") {
        write("  declined\n");
        return { action: "decline" };
      }
      if (reply) {
        write(`  ${SAID[reply]}\n`);
        return { action: "accept", content: { approve: true, scope: reply } };
      }
      write(`  "${terminalLine(line.trim())}" is not one of the choices: type y, r, s or n.\n`);
    }
  }
}
