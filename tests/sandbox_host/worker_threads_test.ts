/** Following a child's Workers between interpreters (`worker_threads.ts`), on thread lists and on `ps`. */
import assert from "node:assert/strict";
import {
  psThreads,
  workerThreadNames,
  WorkerWatch,
} from "../../src/sandbox_host/worker_threads.ts";

Deno.test("workerThreadNames keeps only Deno's Worker threads", () => {
  const names = [
    "deno",
    "tokio-runtime-w",
    "  worker-3",
    "worker-12 ",
    "worker-x",
    "my-worker-1",
    "",
  ];
  assert.deepEqual(workerThreadNames(names), ["worker-3", "worker-12"]);
  assert.deepEqual(workerThreadNames([]), []);
});

/** A lister that answers with each of `lists` in turn (then the last again). */
const lists = (...answers: Array<string[] | string>) => {
  let i = 0;
  return () => Promise.resolve(answers[Math.min(i++, answers.length - 1)]);
};

Deno.test("WorkerWatch: the next interpreter's Worker, once the ended one's thread exited", async () => {
  const watch = new WorkerWatch(
    lists(["deno", "worker-1", "worker-2"], ["deno", "worker-2"], ["worker-3"]),
  );
  assert.deepEqual(await watch.next(1), { ok: true });
  assert.deepEqual(await watch.next(1), { ok: true });
});

Deno.test("WorkerWatch: a Worker left running beside the new one condemns the process", async () => {
  const watch = new WorkerWatch(lists(["worker-1", "worker-2", "worker-3"]));
  const check = await watch.next(1, 30);
  assert.equal(check.ok, false);
  assert.match(check.ok ? "" : check.reason, /still running beside .*worker-1, worker-2, worker-3/);
});

Deno.test("WorkerWatch: a Worker the earlier program started and ended condemns it too", async () => {
  const check = await new WorkerWatch(lists(["worker-4"])).next(1);
  assert.deepEqual(check, {
    ok: false,
    reason: "the earlier program started a Worker of its own (the new interpreter's is " +
      "worker-4, not worker-2): the process is not used again",
  });
});

Deno.test("WorkerWatch: threads that cannot be listed condemn the process", async () => {
  const check = await new WorkerWatch(lists("ps failed")).next(1);
  assert.deepEqual(check, {
    ok: false,
    reason: "the sandbox's threads could not be listed: ps failed",
  });
});

Deno.test("psThreads lists this process's Worker threads as Deno names them", async () => {
  const src = "postMessage('on'); setInterval(() => {}, 1000);";
  const worker = new Worker(`data:text/javascript,${encodeURIComponent(src)}`, { type: "module" });
  await new Promise((resolve) => (worker.onmessage = resolve));
  const names = await psThreads(Deno.pid);
  assert.ok(Array.isArray(names), String(names));
  assert.equal(workerThreadNames(names).length, 1, names.join(", "));
  worker.terminate();
});
