/**
 * The calls one run made past `max_tool_calls`, counted for the audit log's one line about them
 * (`"summary": "refused"`, written when the run ends) instead of a line per call: a program that
 * loops on refused calls could otherwise write thousands of lines a second. The tools named are
 * bounded too; calls to the others are counted together.
 */
import { cutString } from "./arguments.ts";

/** Tools named in a summary; calls to further tools are counted in `other_tools`. */
export const MAX_TALLIED_TOOLS = 20;
const MAX_NAME_CHARS = 100;

/** One call refused past the cap. */
export interface RefusedCall {
  /** When it was refused (ISO 8601). */
  time: string;
  session: string;
  execution: string;
  server: string;
  tool: string;
  /** The error code every refused call got (`TOOL_CALL_LIMIT`). */
  code: string;
}

/** The line that sums up a run's refused calls. */
export interface RefusedLine {
  /** When the run ended. */
  time: string;
  session: string;
  execution: string;
  summary: "refused";
  code: string;
  /** How many calls were refused. */
  refused: number;
  /** When the first and the last were. */
  first: string;
  last: string;
  /** Calls refused per `server.tool` (at most {@link MAX_TALLIED_TOOLS} names). */
  tools: Record<string, number>;
  /** Calls to tools past those named (absent when none). */
  other_tools?: number;
}

/** The count of one run's refused calls. */
export class RefusalTally {
  #first: RefusedCall;
  #last: string;
  #count = 0;
  #tools = new Map<string, number>();
  #other = 0;

  constructor(first: RefusedCall) {
    this.#first = first;
    this.#last = first.time;
  }

  /** Counts one more refused call. */
  add(call: RefusedCall): void {
    this.#count++;
    this.#last = call.time;
    const name = cutString(`${call.server}.${call.tool}`, MAX_NAME_CHARS);
    const seen = this.#tools.get(name);
    if (seen !== undefined) this.#tools.set(name, seen + 1);
    else if (this.#tools.size < MAX_TALLIED_TOOLS) this.#tools.set(name, 1);
    else this.#other++;
  }

  /** The summary line, as of `time`. */
  line(time: string): RefusedLine {
    const { session, execution, code } = this.#first;
    return {
      time,
      session,
      execution,
      summary: "refused",
      code,
      refused: this.#count,
      first: this.#first.time,
      last: this.#last,
      tools: Object.fromEntries(this.#tools),
      ...(this.#other ? { other_tools: this.#other } : {}),
    };
  }
}
