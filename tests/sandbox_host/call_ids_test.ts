/**
 * Unit tests of `src/sandbox_host/call_ids.ts`: a reused call id is caught, and the ids a run
 * remembers stay bounded however many calls past the cap a program makes.
 */
import assert from "node:assert/strict";
import { CallIds, REFUSED_ID_WINDOW } from "../../src/sandbox_host/call_ids.ts";

Deno.test("a reused id is caught, counted or refused", () => {
  const ids = new CallIds();
  assert.equal(ids.claim(0, true), true);
  assert.equal(ids.claim(0, true), false);
  assert.equal(ids.claim(0, false), false, "a refused call reusing a dispatched call's id");
  assert.equal(ids.claim(1, false), true);
  assert.equal(ids.claim(1, false), false);
  assert.equal(ids.claim(1, true), false);
});

Deno.test("100,000 refused calls keep the remembered ids bounded", () => {
  const cap = 200;
  const ids = new CallIds();
  for (let id = 0; id < cap; id++) assert.equal(ids.claim(id, true), true);
  for (let id = cap; id < cap + 100_000; id++) assert.equal(ids.claim(id, false), true);
  assert.equal(ids.size, cap + REFUSED_ID_WINDOW);
  // The calls that took a slot are remembered for the whole run, the recent refused ones too.
  for (let id = 0; id < cap; id++) assert.equal(ids.claim(id, false), false);
  assert.equal(ids.claim(cap + 100_000 - 1, false), false);
  assert.equal(ids.size, cap + REFUSED_ID_WINDOW);
});
