/** The Worker threads among a child's thread names (`worker_threads.ts`), and a real check. */
import assert from "node:assert/strict";
import { workersEnded, workerThreadNames } from "../../src/sandbox_host/worker_threads.ts";

Deno.test("workerThreadNames keeps only Deno's Worker threads", () => {
  const ps = "deno\ntokio-runtime-w\n  worker-3\nworker-12 \nworker-x\nmy-worker-1\n\n";
  assert.deepEqual(workerThreadNames(ps), ["worker-3", "worker-12"]);
  assert.deepEqual(workerThreadNames(""), []);
});

Deno.test("workersEnded sees a process's running Worker, and none once it ended", async () => {
  const src = "postMessage('on'); setInterval(() => {}, 1000);";
  const worker = new Worker(`data:text/javascript,${encodeURIComponent(src)}`, { type: "module" });
  await new Promise((resolve) => (worker.onmessage = resolve));
  const running = await workersEnded(Deno.pid, 0);
  assert.equal(running.ok, false);
  assert.match(
    running.ok ? "" : running.reason,
    /still running after its interpreter ended \(worker-\d+\)/,
  );
  worker.terminate();
  assert.deepEqual(await workersEnded(Deno.pid, 10_000), { ok: true });
});
