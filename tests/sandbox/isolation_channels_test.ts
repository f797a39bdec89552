/**
 * Worker isolation (`sandbox.isolation: "worker"`), attacked through what a Worker shares with the
 * other Workers of its process, with the policy off: the memory snapshot every interpreter starts
 * from, the blob URL store, BroadcastChannel, the interrupt buffer, the compiled wasm module, a
 * nested Worker that never yields, a busy loop that never gives Python back its turn. Each
 * hostile run returns `Deno.pid`, and the probes after it run until that same process served one
 * of them (`untilServedBy`), so that what they see is what that process kept.
 */
import assert from "node:assert/strict";
import { runJs, untilServedBy, workerConfig } from "../../support/isolation.ts";
import { descendantsMatching, isAlive } from "../../support/processes.ts";
import { execute, startServer, type TestServer } from "../../support/server.ts";
import { waitFor } from "../../support/wait.ts";

/** How long a probe listens on the BroadcastChannel (the scenario, not a wait). */
const SILENCE_MS = 300;

/**
 * Writes `125 * 2 = 999` and a changed `sys.version` into the snapshot Pyodide restored from, if
 * it can still reach it; returns `[pid, what happened]`.
 */
const WRITE_SNAPSHOT = `import js, sys, pyodide_js
def write():
    s = pyodide_js._api.config._loadSnapshot
    base = js.Uint32Array.new(s.buffer, s.byteOffset, 4)[1]  # where the memory image begins
    digit = base + id(250) + 12  # the small int 250's digit
    s[digit] = 999 & 0xFF
    s[digit + 1] = 999 >> 8
    v = sys.version.encode()
    at = base + id(sys.version)
    for i in range(at, at + 64):
        if all(s[i + k] == v[k] for k in range(6)):
            for k, c in enumerate(b"HACKED"):
                s[i + k] = c
            return "written"
    return "sys.version not found"
try:
    done = write()
except Exception as e:
    done = str(e)
[js.Deno.pid, done]`;

const VERSION = "import js, sys\n[js.Deno.pid, sys.version, 125 * 2]";

/** The interrupt buffer: proves it interrupts this run, then leaves a nested Worker writing it. */
const WRITE_INTERRUPT = `import js, pyodide_js
from pyodide.code import run_js
buf = pyodide_js._module.Py_EmscriptenSignalBuffer
interrupted = False
try:
    js.Atomics.store(buf, 0, 2)
    for i in range(10 ** 7):
        pass
except KeyboardInterrupt:
    interrupted = True
assert interrupted, "writing the interrupt buffer did not interrupt its own run"
start = run_js("""(buf) => new Promise((resolve) => {
  const src = "onmessage = (e) => { const a = new Int32Array(e.data); postMessage('on'); " +
    "setTimeout(() => { for (;;) Atomics.store(a, 0, 2); }, 200); };";
  const w = new Worker('data:text/javascript,' + encodeURIComponent(src), { type: 'module' });
  w.onmessage = () => resolve(Deno.pid);
  w.postMessage(buf.buffer);
})""")
await start(buf)`;

/** A `data:` URL of the JavaScript module `source`, as a JavaScript expression. */
const dataUrl = (source: string) =>
  `'data:text/javascript,' + encodeURIComponent(${JSON.stringify(source)})`;

/** A run that is not interrupted while it sleeps half a second. */
const SLEEPS = `import js, time
for i in range(50):
    time.sleep(0.01)
[js.Deno.pid, 'slept']`;

Deno.test({
  name: "worker isolation: what a Worker shares with its process carries nothing to the next",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const server = await startServer({ config: workerConfig(50) });
    try {
      await t.step(
        "a write into the snapshot's buffer is not in the next interpreter",
        async () => {
          const before = await execute(server, VERSION);
          assert.equal(before.ok, true, before.text);
          const version = (before.result as unknown[])[1];
          const hostile = await execute(server, WRITE_SNAPSHOT, 10_000);
          assert.equal(hostile.ok, true, hostile.text);
          await untilServedBy(server, (hostile.result as [number])[0], VERSION, (rest) => {
            assert.deepEqual(rest, [version, 250], "an interpreter started from a changed image");
          });
        },
      );

      await t.step("a blob URL made by one run does not resolve in the next", async () => {
        const hostile = await execute(
          server,
          runJs("return [Deno.pid, URL.createObjectURL(new Blob(['secret of an earlier run']))];"),
        );
        assert.equal(hostile.ok, true, hostile.text);
        const [pid, url] = hostile.result as [number, string];
        const fetchIt = runJs(
          `try { return [Deno.pid, await (await fetch(${JSON.stringify(url)})).text()]; } ` +
            "catch (e) { return [Deno.pid, e.name]; }",
        );
        await untilServedBy(server, pid, fetchIt, (rest) => {
          assert.deepEqual(rest, ["TypeError"], "a later run read an earlier run's blob");
        });
      });

      await t.step("a blob URL made in a nested Worker does not resolve later", async () => {
        const make = "postMessage(URL.createObjectURL(new Blob(['secret of a nested Worker'])));";
        const hostile = await execute(
          server,
          runJs(
            `const w = new Worker(${dataUrl(make)}, { type: 'module' }); ` +
              "const url = await new Promise((r) => (w.onmessage = (e) => r(e.data))); " +
              "w.terminate(); return [Deno.pid, url];",
          ),
        );
        assert.equal(hostile.ok, true, hostile.text);
        const [pid, url] = hostile.result as [number, string];
        const fetchIt = runJs(
          `try { return [Deno.pid, await (await fetch(${JSON.stringify(url)})).text()]; } ` +
            "catch (e) { return [Deno.pid, e.name]; }",
        );
        for (let i = 0; i < 4; i++) {
          const r = await execute(server, fetchIt);
          assert.equal(r.ok, true, r.text);
          assert.deepEqual(r.result, [(r.result as [number])[0], "TypeError"], r.text);
        }
        await waitFor(() => !isAlive(pid), "the process whose program started a Worker to end");
      });

      await t.step("a BroadcastChannel left sending reaches no later run", async () => {
        const hostile = await execute(
          server,
          runJs(
            "const c = new BroadcastChannel('mcp-leak'); " +
              "setInterval(() => c.postMessage('left behind'), 1); return Deno.pid;",
          ),
        );
        assert.equal(hostile.ok, true, hostile.text);
        const listen = runJs(
          "return await new Promise((resolve) => { const c = new BroadcastChannel('mcp-leak'); " +
            "c.onmessage = (e) => { c.close(); resolve([Deno.pid, e.data]); }; " +
            `setTimeout(() => { c.close(); resolve([Deno.pid, null]); }, ${SILENCE_MS}); });`,
        );
        await untilServedBy(server, hostile.result as number, listen, (rest) => {
          assert.deepEqual(rest, [null], "a later run heard an earlier run's channel");
        });
      });

      await t.step("an earlier run's interrupt buffer does not interrupt the next", async () => {
        // Its writer is a nested Worker, so its process is replaced (the buffer is its own anyway).
        const hostile = await execute(server, WRITE_INTERRUPT, 10_000);
        assert.equal(hostile.ok, true, hostile.text);
        for (let i = 0; i < 3; i++) {
          const after = await execute(server, SLEEPS);
          assert.equal(after.ok, true, after.text);
          assert.equal((after.result as unknown[])[1], "slept");
        }
        const pid = hostile.result as number;
        await waitFor(() => !isAlive(pid), "the process with the writer to end");
      });

      await t.step("the compiled wasm module's object carries nothing to the next", async () => {
        // The program takes the module through Pyodide's own instantiateWasm hook.
        const take = "const m = pyodide._module; let mod; const real = WebAssembly.instantiate; " +
          "WebAssembly.instantiate = (x) => { mod = x; return new Promise(() => {}); }; " +
          "try { m.instantiateWasm({ env: {} }, () => {}); } " +
          "finally { WebAssembly.instantiate = real; }";
        const code = (body: string) =>
          "import js, pyodide_js\nfrom pyodide.code import run_js\n" +
          `run_js(${JSON.stringify(`(pyodide) => { ${take}; ${body} }`)})(pyodide_js).to_py()`;
        const hostile = await execute(
          server,
          code(
            "mod.leaked = 1; Object.setPrototypeOf(mod, { leaked: 2 }); " +
              "return [Deno.pid, WebAssembly.Module.exports(mod).length];",
          ),
        );
        assert.equal(hostile.ok, true, hostile.text);
        const [pid, exports] = hostile.result as [number, number];
        assert.ok(exports > 0, hostile.text);
        const look = code(
          "return [Deno.pid, 'leaked' in mod, Object.getPrototypeOf(mod) === " +
            "WebAssembly.Module.prototype, WebAssembly.Module.exports(mod).length];",
        );
        await untilServedBy(server, pid, look, (rest) => {
          assert.deepEqual(rest, [false, true, exports], "the wasm module object changed");
        });
      });

      // Deno ends a nested Worker with its parent through the nested one's event loop: one that
      // never yields goes on running, so its process must not serve again.
      const busy = "postMessage('on'); for (;;) {}";
      const starts: Array<[string, string]> = [
        ["new Worker", `const w = new Worker(${dataUrl(busy)}, { type: 'module' });`],
        [
          "node:worker_threads",
          "const { Worker: W } = await import('node:worker_threads'); " +
          `const w = new W(new URL(${
            dataUrl(busy.replace("postMessage('on')", "globalThis.postMessage('on')"))
          }));`,
        ],
      ];
      for (const [how, start] of starts) {
        await t.step(`a busy Worker started by ${how} gets its process replaced`, async () => {
          const hostile = await execute(
            server,
            runJs(
              `${start} await new Promise((r) => w.on ? w.on('message', r) : (w.onmessage = r)); ` +
                "return Deno.pid;",
            ),
          );
          assert.equal(hostile.ok, true, hostile.text);
          const pid = hostile.result as number;
          // The run waited for the nested Worker's message, so it ran. (Its thread is not listed
          // here: the host may already have found it and be killing the process, seen in CI.)
          await waitFor(() => !isAlive(pid), "the process with a busy Worker left to be killed");
          for (let i = 0; i < 3; i++) {
            const after = await execute(server, SLEEPS);
            assert.equal(after.ok, true, after.text);
            assert.notEqual((after.result as [number])[0], pid);
          }
        });
      }

      await t.step("a JavaScript busy loop ends its process at the deadline", async () => {
        const children = await sandboxChildren(server);
        const r = await execute(server, "import js\njs.eval('for (;;) {}')", 1_000);
        assert.equal(r.ok, false, r.text);
        assert.equal(r.error?.code, "TIMEOUT", r.text);
        await waitFor(() => children.some((pid) => !isAlive(pid)), "the busy child to be killed");
        for (let i = 0; i < 3; i++) {
          const after = await execute(server, SLEEPS);
          assert.equal(after.ok, true, after.text);
        }
      });
    } finally {
      await server.close();
    }
  },
});

/** The pids of the server's sandbox children now. */
async function sandboxChildren(server: TestServer): Promise<number[]> {
  return (await descendantsMatching(server.pid, "worker.ts")).map((c) => c.pid);
}
