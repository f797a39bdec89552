/** The bench's two token accountings over a small hand-made transcript (bench/token_accounting.ts). */
import assert from "node:assert/strict";
import { account, saving } from "../bench/token_accounting.ts";

const fixed = (tokens: number) => ({ tokens, fixed: true });
const variable = (tokens: number) => ({ tokens, fixed: false });

Deno.test("accounting: code mode with a failed program and its repair turn", () => {
  const run = account({
    start: [fixed(300), variable(20)], // tool list, prompt
    steps: [
      [fixed(10), fixed(100)], // search_tools call and answer
      [variable(50), variable(40)], // a program that fails, and its error
      [variable(55), variable(30)], // the repaired program, and its result
    ],
  }, 5);
  assert.equal(run.turns, 4); // search, program, repair, answer
  assert.deepEqual(run.once, { fixed: 410, variable: 200, total: 610 });
  // Every turn reads the start (4×); the search step is re-read by 3 turns, the failed program by
  // 2, the repaired one by the answer turn.
  assert.deepEqual(run.billed, {
    fixed: 4 * 300 + 3 * 110,
    variable: 4 * 20 + 2 * 90 + 1 * 85,
    total: 4 * 300 + 3 * 110 + 4 * 20 + 2 * 90 + 85,
  });
});

Deno.test("accounting: classic, one turn per tool call and one for the answer", () => {
  const run = account({
    start: [fixed(5000), variable(20)],
    steps: [[variable(30), variable(900)]],
  }, 10);
  assert.equal(run.turns, 2);
  assert.equal(run.billed.total, 2 * 5020 + 930);
  assert.equal(run.once.total, 5020 + 930 + 10);
  assert.equal(saving(1000, 25), 97.5);
});
