/**
 * Nothing a run stores outlives it, and nothing reaches the host's disk: web storage
 * (localStorage, sessionStorage, the Cache API, IndexedDB), WebGPU, storage from inside a Worker
 * (a web Worker from a blob URL and a `node:worker_threads` one, both with fresh globals) and
 * TypeScript modules imported from `data:` URLs (which Deno would cache as emitted files). Run
 * through the real server with the guardrail policy off: the process boundary must hold alone.
 */
import assert from "node:assert/strict";
import { execute, root, startServer, type TestServer } from "../../support/server.ts";

const CANARY = `storage-canary-${crypto.randomUUID()}`;
const RUNS = 50;
/**
 * In worker isolation the runs share a process, and a Worker a program starts inside its own takes
 * about half a second to start (a Deno property of nested Workers): fewer runs keep the suite short;
 * the files they could leave are the same as in process isolation (the Deno data folder).
 */
const WORKER_RUNS = 10;
const CONCURRENCY = 2;

/** What the probe saw, per channel (a value, null, or `error: …`). */
type Report = Record<string, unknown>;

/** JS run inside a Worker: Cache API, WebGPU and the storage globals from fresh globals. */
const WORKER_PROBE = `
  const marker = MARKER, write = WRITE, o = {};
  try {
    const c = await caches.open("c");
    if (write) await c.put("http://x/k", new Response(marker));
    const m = await c.match("http://x/k");
    o.caches = m ? await m.text() : null;
  } catch (e) { o.caches = "error: " + (e?.name ?? e); }
  try { o.gpu = (await navigator.gpu?.requestAdapter()) ? "adapter" : null; }
  catch (e) { o.gpu = "error: " + (e?.name ?? e); }
  o.localStorage = typeof localStorage;
  SEND(o);`;

/** The whole probe, as Python calling `run_js`: writes the marker (or only reads) everywhere. */
function program(marker: string, write: boolean): string {
  const inner = WORKER_PROBE.replace("MARKER", JSON.stringify(marker)).replace(
    "WRITE",
    String(write),
  );
  const js = `(async () => {
  const marker = ${JSON.stringify(marker)}, write = ${write}, r = {};
  const attempt = async (name, f) => {
    try { r[name] = await f(); } catch (e) { r[name] = "error: " + (e?.name ?? e); }
  };
  const webStorage = (store) => {
    if (write) store.setItem("k", marker);
    return store.getItem("k");
  };
  const bounded = (promise) => Promise.race([
    promise, new Promise((_, reject) => setTimeout(() => reject(new Error("no answer")), 10000)),
  ]);
  await attempt("localStorage", () => webStorage(localStorage));
  await attempt("sessionStorage", () => webStorage(sessionStorage));
  await attempt("caches", async () => {
    const c = await caches.open("c");
    if (write) await c.put("http://x/k", new Response(marker));
    const m = await c.match("http://x/k");
    return m ? await m.text() : null;
  });
  await attempt("indexedDB", () => typeof indexedDB === "undefined" ? null : "present");
  await attempt("gpu", async () => (await navigator.gpu?.requestAdapter()) ? "adapter" : null);
  await attempt("worker", () => bounded(new Promise((resolve, reject) => {
    const source = "(async () => {" + ${
    JSON.stringify(inner.replace("SEND", "postMessage"))
  } + "})()";
    const url = URL.createObjectURL(new Blob([source], { type: "application/javascript" }));
    const w = new Worker(url, { type: "module" });
    w.onmessage = (e) => { w.terminate(); resolve(e.data); };
    w.onerror = (e) => { e.preventDefault(); w.terminate(); reject(new Error(e.message)); };
  })));
  await attempt("nodeWorker", async () => {
    const { Worker } = await import("node:worker_threads");
    const source = "const { parentPort } = require('node:worker_threads'); (async () => {" +
      ${JSON.stringify(inner.replace("SEND", "parentPort.postMessage"))} + "})();";
    return await bounded(new Promise((resolve, reject) => {
      const w = new Worker(source, { eval: true });
      w.on("message", (m) => { w.terminate(); resolve(m); });
      w.on("error", (e) => { w.terminate(); reject(e); });
    }));
  });
  await attempt("tsImport", async () => {
    const source = "export const v: string = " + JSON.stringify(marker) + ";";
    const m = await import("data:application/typescript," + encodeURIComponent(source));
    return m.v === marker ? "imported" : "wrong";
  });
  return JSON.stringify(r);
})()`;
  return `from pyodide.code import run_js\nawait run_js(${JSON.stringify(js)})`;
}

async function probe(server: TestServer, marker: string, write: boolean): Promise<Report> {
  const r = await execute(server, program(marker, write), 60_000);
  assert.equal(r.ok, true, r.text);
  return JSON.parse(String(r.result));
}

/** Within one run: no web storage works, there is no GPU, a module import still works. */
function assertNothingWorks(report: Report, marker: string): void {
  const text = JSON.stringify(report);
  for (const channel of ["localStorage", "sessionStorage", "caches"]) {
    assert.notEqual(report[channel], marker, `${channel} works: ${text}`);
  }
  assert.equal(report.indexedDB, null, text);
  assert.notEqual(report.gpu, "adapter", `WebGPU answers: ${text}`);
  for (const worker of ["worker", "nodeWorker"]) {
    const seen = report[worker] as Report;
    assert.equal(typeof seen, "object", `${worker} did not report: ${text}`);
    assert.notEqual(seen.caches, marker, `the Cache API works in a ${worker}: ${text}`);
    assert.notEqual(seen.gpu, "adapter", `WebGPU answers in a ${worker}: ${text}`);
  }
  assert.equal(report.tsImport, "imported", text);
}

/** Nothing of an earlier run is seen. */
function assertNoCanary(report: Report): void {
  const text = JSON.stringify(report);
  assert.ok(!text.includes(CANARY), `an earlier run's data was read back: ${text}`);
}

async function denoDir(): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), { args: ["info", "--json"] }).output();
  return JSON.parse(new TextDecoder().decode(out.stdout)).denoDir;
}

/** Every path under `dir` (recursively), or [] when it does not exist. */
async function tree(dir: string): Promise<string[]> {
  const out = await new Deno.Command("find", { args: [dir], stdout: "piped", stderr: "null" })
    .output();
  return new TextDecoder().decode(out.stdout).split("\n").filter(Boolean).sort();
}

/** Files under `dirs` changed since `stamp` whose bytes contain `needle`. */
async function filesContaining(dirs: string[], stamp: string, needle: string): Promise<string[]> {
  const out = await new Deno.Command("find", {
    args: [...dirs, "-newer", stamp, "-type", "f"],
    stdout: "piped",
    stderr: "null",
  }).output();
  const files = new TextDecoder().decode(out.stdout).split("\n").filter(Boolean);
  const bytes = new TextEncoder().encode(needle);
  const found: string[] = [];
  for (const file of files) {
    if (file === stamp) continue;
    const content = await Deno.readFile(file).catch(() => new Uint8Array(0));
    if (indexOfBytes(content, bytes) >= 0) found.push(file);
  }
  return found;
}

function indexOfBytes(haystack: Uint8Array, needle: Uint8Array): number {
  for (let at = haystack.indexOf(needle[0]); at >= 0; at = haystack.indexOf(needle[0], at + 1)) {
    if (needle.every((b, i) => haystack[at + i] === b)) return at;
  }
  return -1;
}

for (const isolation of ["process", "worker"]) {
  const CONFIG = { sandbox: { pool_size: 2, isolation }, policy: { enabled: false } };

  Deno.test({
    name: `nothing a run stores persists or reaches the host's disk (isolation ${isolation})`,
    // The server is a subprocess owned by the support module; its pipes outlive single steps.
    sanitizeOps: false,
    sanitizeResources: false,
    async fn(t) {
      const home = Deno.env.get("HOME") ?? "/root";
      const deno = await denoDir();
      const stamp = await Deno.makeTempFile({ prefix: "mcp-storage-stamp-" });
      const originBefore = await tree(`${deno}/location_data`);
      let server: TestServer = await startServer({ config: CONFIG });
      try {
        const first = `${CANARY}-first`;
        await t.step("run N: no web storage, no GPU, in the main thread or a Worker", async () => {
          assertNothingWorks(await probe(server, first, true), first);
        });
        await t.step("run N+1 reads nothing back", async () => {
          assertNoCanary(await probe(server, first, false));
        });
        await t.step("nothing after a server restart", async () => {
          await server.close();
          server = await startServer({ config: CONFIG });
          assertNoCanary(await probe(server, first, false));
        });
        const runs = isolation === "worker" ? WORKER_RUNS : RUNS;
        await t.step(`${runs} runs leave no file behind`, async () => {
          for (let i = 0; i < runs; i += CONCURRENCY) {
            await Promise.all(
              Array.from({ length: CONCURRENCY }, async (_, j) => {
                const marker = `${CANARY}-${i + j}`;
                assertNothingWorks(await probe(server, marker, true), marker);
              }),
            );
          }
          assertNoCanary(await probe(server, `${CANARY}-last`, false));
          assert.deepEqual(await tree(`${deno}/location_data`), originBefore);
          const dirs = [...new Set([home, deno, `${root}.cache`])];
          assert.deepEqual(await filesContaining(dirs, stamp, CANARY), []);
        });
      } finally {
        await server.close();
        await Deno.remove(stamp);
      }
    },
  });
}
