/** The Worker threads among a child's thread names (`worker_threads.ts`), and a real check. */
import assert from "node:assert/strict";
import { onlyWorker, workerThreadNames } from "../../src/sandbox_host/worker_threads.ts";

Deno.test("workerThreadNames keeps only Deno's Worker threads", () => {
  const ps = "deno\ntokio-runtime-w\n  worker-3\nworker-12 \nworker-x\nmy-worker-1\n\n";
  assert.deepEqual(workerThreadNames(ps), ["worker-3", "worker-12"]);
  assert.deepEqual(workerThreadNames(""), []);
});

Deno.test("onlyWorker waits until one Worker is left, and names the others", async () => {
  const src = "postMessage('on'); setInterval(() => {}, 1000);";
  const start = async () => {
    const worker = new Worker(`data:text/javascript,${encodeURIComponent(src)}`, {
      type: "module",
    });
    await new Promise((resolve) => (worker.onmessage = resolve));
    return worker;
  };
  const [first, second] = [await start(), await start()];
  const two = await onlyWorker(Deno.pid, 0);
  assert.equal(two.ok, false);
  assert.match(two.ok ? "" : two.reason, /still running beside .* \(worker-\d+, worker-\d+\)/);
  first.terminate();
  assert.deepEqual(await onlyWorker(Deno.pid, 10_000), { ok: true });
  second.terminate();
});
