/**
 * The two accountings of the token economy bench. Once-through: every token that passes through
 * the model's context once (the context, each step, the answer). Billed: the input tokens an agent
 * pays over its turns, each turn re-reading the whole context so far (the system prompt left out,
 * the tool list in). Both are split into the fixed part (tool list, search answer) and the variable
 * part (the task's words, programs or calls, results).
 */

/** Some tokens of context; fixed ones are the tool list and the search answer. */
export interface Segment {
  tokens: number;
  fixed: boolean;
}

/** One agent run: what every turn reads, then what each turn adds for the next one. */
export interface Transcript {
  /** Read by every turn: the tool list and the task's prompt. */
  start: Segment[];
  /**
   * One entry per turn that calls a tool: what it emits and what comes back (a tool call and its
   * result; search_tools and its answer; a program and its result, a failed one included, whose
   * repair is the next turn). The turn after the last step writes the answer.
   */
  steps: Segment[][];
}

/** Tokens split into the fixed and the variable part. */
export interface Split {
  fixed: number;
  variable: number;
  total: number;
}

/** Both accountings of one run. */
export interface Accounting {
  turns: number;
  once: Split;
  billed: Split;
}

/** Accounts one run; `answer` is the final answer's tokens (read once, never re-read). */
export function account(transcript: Transcript, answer: number): Accounting {
  const once = { fixed: 0, variable: answer };
  const billed = { fixed: 0, variable: 0 };
  const turns = transcript.steps.length + 1;
  const add = (into: { fixed: number; variable: number }, segment: Segment, times: number) => {
    if (segment.fixed) into.fixed += segment.tokens * times;
    else into.variable += segment.tokens * times;
  };
  for (const segment of transcript.start) {
    add(once, segment, 1);
    add(billed, segment, turns);
  }
  transcript.steps.forEach((step, index) => {
    // Step `index` is read by every later turn: turns - index - 1 of them.
    for (const segment of step) {
      add(once, segment, 1);
      add(billed, segment, turns - index - 1);
    }
  });
  const total = (s: { fixed: number; variable: number }) => ({ ...s, total: s.fixed + s.variable });
  return { turns, once: total(once), billed: total(billed) };
}

/** The saving of `code` over `classic`, in percent (one decimal). */
export function saving(classic: number, code: number): number {
  return Math.round(1000 * (1 - code / classic)) / 10;
}
