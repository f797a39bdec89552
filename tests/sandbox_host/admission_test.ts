/** Admission control (src/sandbox_host/admission.ts): slots, FIFO order, timeout, cancel, close. */
import assert from "node:assert/strict";
import { Admission, type Admitted } from "../../src/sandbox_host/admission.ts";

function release(admitted: Admitted): void {
  assert.ok(admitted.ok);
  admitted.release();
}

Deno.test("up to max enter at once; the rest wait and enter in FIFO order", async () => {
  const admission = new Admission(2);
  const first = await admission.enter(60_000);
  const second = await admission.enter(60_000);
  assert.equal(admission.running, 2);
  const order: string[] = [];
  const third = admission.enter(60_000).then((a) => (order.push("third"), a));
  const fourth = admission.enter(60_000).then((a) => (order.push("fourth"), a));
  assert.equal(admission.waiting, 2);
  release(first);
  release(await third);
  release(second);
  release(await fourth);
  assert.deepEqual(order, ["third", "fourth"]);
  assert.equal(admission.running, 0);
  assert.equal(admission.waiting, 0);
});

Deno.test("a release twice frees one slot only", async () => {
  const admission = new Admission(1);
  const first = await admission.enter(60_000);
  assert.ok(first.ok);
  first.release();
  first.release();
  assert.equal(admission.running, 0);
  const again = await admission.enter(60_000);
  assert.equal(admission.running, 1);
  release(again);
});

Deno.test("a waiter that gets no slot in time is refused with timeout and leaves the queue", async () => {
  const admission = new Admission(1);
  const holder = await admission.enter(60_000);
  const refused = await admission.enter(0);
  assert.deepEqual(refused, { ok: false, reason: "timeout" });
  assert.equal(admission.waiting, 0);
  release(holder);
  assert.equal(admission.running, 0);
});

Deno.test("an aborted signal refuses with cancelled, before or while waiting", async () => {
  const admission = new Admission(1);
  const holder = await admission.enter(60_000);
  assert.deepEqual(await admission.enter(60_000, AbortSignal.abort()), {
    ok: false,
    reason: "cancelled",
  });
  const aborter = new AbortController();
  const waiting = admission.enter(60_000, aborter.signal);
  aborter.abort();
  assert.deepEqual(await waiting, { ok: false, reason: "cancelled" });
  assert.equal(admission.waiting, 0);
  release(holder);
});

Deno.test("close refuses every waiter and every later entry; releases still count down", async () => {
  const admission = new Admission(1);
  const holder = await admission.enter(60_000);
  const waiting = [admission.enter(60_000), admission.enter(60_000)];
  admission.close();
  assert.deepEqual(await Promise.all(waiting), [
    { ok: false, reason: "closed" },
    { ok: false, reason: "closed" },
  ]);
  assert.deepEqual(await admission.enter(60_000), { ok: false, reason: "closed" });
  release(holder);
  assert.equal(admission.running, 0);
});
