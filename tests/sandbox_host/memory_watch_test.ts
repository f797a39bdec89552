/**
 * The memory watch (src/sandbox_host/memory_watch.ts): the verdict (each child past its cap, then
 * the largest running ones until the total is under budget), and the watch stopping runs from
 * injected readings.
 */
import assert from "node:assert/strict";
import {
  type MemorySample,
  memoryVerdicts,
  MemoryWatch,
  readRssMb,
} from "../../src/sandbox_host/memory_watch.ts";

const limits = { perChildMb: 1000, totalMb: 1500 };
const sample = (pid: number, rssMb: number, running = true): MemorySample => ({
  pid,
  rssMb,
  running,
});

Deno.test("under both limits nothing is stopped", () => {
  assert.deepEqual(
    memoryVerdicts([sample(1, 500), sample(2, 500), sample(3, 400, false)], limits),
    [],
  );
});

Deno.test("a child past its own cap is stopped for itself", () => {
  assert.deepEqual(memoryVerdicts([sample(1, 1200), sample(2, 100)], limits), [
    { pid: 1, reason: "child", totalMb: 1300 },
  ]);
});

Deno.test("past the budget the largest running child is stopped, not an idle one", () => {
  const verdicts = memoryVerdicts(
    [sample(1, 400), sample(2, 700), sample(3, 900, false)],
    limits,
  );
  assert.deepEqual(verdicts, [{ pid: 2, reason: "total", totalMb: 2000 }]);
});

Deno.test("the largest are stopped one by one until the total is under budget", () => {
  const verdicts = memoryVerdicts(
    [sample(1, 600), sample(2, 700), sample(3, 800), sample(4, 100)],
    { perChildMb: 1000, totalMb: 1000 },
  );
  assert.deepEqual(verdicts, [
    { pid: 3, reason: "total", totalMb: 2200 },
    { pid: 2, reason: "total", totalMb: 1400 },
  ]);
});

Deno.test("idle children alone past the budget stop nothing", () => {
  assert.deepEqual(memoryVerdicts([sample(1, 1600, false)], limits), []);
});

Deno.test("the watch stops the run the verdict names, with the message it builds", async () => {
  const stopped: string[] = [];
  let reads = 0;
  const { promise, resolve } = Promise.withResolvers<void>();
  const watch = new MemoryWatch({
    limits,
    children: () => [
      { pid: 1, stop: (code, message) => (stopped.push(`${code} ${message}`), resolve()) },
      { pid: 2 },
    ],
    message: (verdict, s) => `${verdict.reason} ${s.rssMb}`,
    read: (pids) => {
      reads++;
      return Promise.resolve(new Map(pids.map((pid) => [pid, pid === 1 ? 1100 : 50])));
    },
  });
  watch.poke();
  await promise;
  watch.close();
  assert.deepEqual(stopped, ["MEMORY_LIMIT child 1100"]);
  assert.equal(reads, 1);
});

Deno.test("readRssMb reads this process and skips pids that do not exist", async () => {
  const rss = await readRssMb([Deno.pid, 999_999_999]);
  assert.ok((rss.get(Deno.pid) ?? 0) > 10, JSON.stringify([...rss]));
  assert.equal(rss.has(999_999_999), false);
});
