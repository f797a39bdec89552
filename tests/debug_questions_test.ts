/**
 * Unit tests of `scripts/debug_questions.ts`: what a typed reply means, the time questions wait
 * for the person (overlapping waits counted once), the line reader (lines split across reads,
 * several in one read, end of input, a withdrawn question's late line dropped), and the questions
 * themselves: asked one at a time, escaped, re-asked on an unknown reply.
 */
import assert from "node:assert/strict";
import {
  LineReader,
  PROMPT,
  readReply,
  TerminalQuestions,
  WaitClock,
} from "../scripts/debug_questions.ts";

/** A byte source the test feeds: each `push` answers one read; `end` answers null. */
function source() {
  const waiting: Array<(chunk: string | null) => void> = [];
  const ready: Array<string | null> = [];
  const give = (chunk: string | null) => {
    const taker = waiting.shift();
    if (taker) taker(chunk);
    else ready.push(chunk);
  };
  const read = async (buffer: Uint8Array): Promise<number | null> => {
    const chunk = ready.length
      ? ready.shift()!
      : await new Promise<string | null>((r) => waiting.push(r));
    if (chunk === null) return null;
    const bytes = new TextEncoder().encode(chunk);
    buffer.set(bytes);
    return bytes.length;
  };
  return { read, push: (chunk: string) => give(chunk), end: () => give(null) };
}

Deno.test("a reply's first letter decides; empty or n declines; anything else is no choice", () => {
  assert.equal(readReply("y"), "once");
  assert.equal(readReply(" Yes \r"), "once");
  assert.equal(readReply("r"), "execution");
  assert.equal(readReply("run"), "execution");
  assert.equal(readReply("S"), "session");
  assert.equal(readReply("n"), "no");
  assert.equal(readReply("no"), "no");
  assert.equal(readReply(""), "no");
  assert.equal(readReply("x"), undefined);
  assert.equal(readReply("\x1b[A"), undefined);
});

Deno.test("the wait clock counts overlapping waits once and an open one up to now", () => {
  let now = 0;
  const clock = new WaitClock(() => now);
  const first = clock.start();
  now = 100;
  const second = clock.start();
  now = 300;
  first();
  first(); // a second end changes nothing
  now = 500;
  assert.equal(clock.total(), 500, "still open: counted up to now");
  second();
  now = 900;
  assert.equal(clock.total(), 500);
  const third = clock.start();
  now = 1000;
  third();
  assert.equal(clock.total(), 600);
});

Deno.test("the line reader joins split reads, keeps extra lines, ends with null", async () => {
  const input = source();
  const lines = new LineReader(input.read);
  const signal = new AbortController().signal;
  input.push("ye");
  input.push("s\nr\n");
  assert.equal(await lines.next(signal), "yes");
  assert.equal(await lines.next(signal), "r", "a second line of one read is kept");
  input.end();
  assert.equal(await lines.next(signal), null);
});

Deno.test("a withdrawn question returns null and its late line does not answer the next", async () => {
  const input = source();
  const lines = new LineReader(input.read);
  const withdrawn = new AbortController();
  const pending = lines.next(withdrawn.signal);
  withdrawn.abort();
  assert.equal(await pending, null);
  lines.discardPending();
  input.push("y\n"); // typed for the question that is gone
  const next = lines.next(new AbortController().signal);
  input.push("n\n");
  assert.equal(await next, "n");
});

Deno.test("questions are asked one at a time, escaped (line breaks kept), re-asked on no choice", async () => {
  const input = source();
  let shown = "";
  const clock = new WaitClock();
  const questions = new TerminalQuestions({
    write: (text) => (shown += text),
    lines: new LineReader(input.read),
    clock,
  });
  const signal = new AbortController().signal;
  const first = questions.ask("Call \x1b]0;title\x07 with\nnewline?", signal);
  const second = questions.ask("Second?", signal);
  input.push("what\n");
  input.push("r\n");
  assert.deepEqual(await first, {
    action: "accept",
    content: { approve: true, scope: "execution" },
  });
  assert.match(shown, /"what" is not one of the choices/);
  assert.match(shown, /\? Call \\x1b\]0;title\\x07 with\nnewline\?\n/);
  const answered = shown.indexOf("approved for the rest of this run");
  assert.ok(answered > 0, shown);
  assert.equal(shown.slice(0, answered).split(PROMPT).length - 1, 2, "asked again");
  assert.ok(!shown.slice(0, answered).includes("Second?"), "the second waits for the first");
  input.push("\n");
  assert.deepEqual(await second, { action: "decline" });
  assert.match(shown, /\? Second\?\n.*\[n\]o: {3}declined\n$/);
});
