/**
 * Worker isolation (`sandbox.isolation: "worker"`), attacked through the real server with the
 * policy off: one zero-permission process serves fresh interpreters one after another, and what a
 * program leaves behind — Python and JavaScript state, files, a nested Worker (its process is
 * replaced), a pending read of
 * stdin, bytes in flight on stdout, an ended Worker — must not reach the next execution. Each
 * program returns `Deno.pid` (no permission needed) to tell which process served it.
 */
import assert from "node:assert/strict";
import { execute, startServer, type TestServer } from "../../support/server.ts";
import { isAlive } from "../../support/processes.ts";
import { waitFor } from "../../support/wait.ts";
import { runJs, workerConfig as config } from "../../support/isolation.ts";

/** How long a probe waits for an answer on the BroadcastChannel (the scenario, not a wait). */
const SILENCE_MS = 300;
/** What a fresh interpreter must show, and which process served it. */
const PROBE = `import builtins, sys, os, js, random
[js.Deno.pid, random.random(), hasattr(builtins, 'leaked'), 'leaked_mod' in sys.modules,
 'leaked_global' in globals(), hasattr(js.globalThis, 'leaked'), os.path.exists('/tmp/leak.txt'),
 os.path.exists('/data/leak.txt'), hasattr(js.Uint8Array.prototype, 'leaked')]`;

const LEAVE_STATE = `import builtins, sys, js
builtins.leaked = 'b'
sys.modules['leaked_mod'] = sys
leaked_global = 1
js.globalThis.leaked = 'js'
js.eval("Uint8Array.prototype.leaked = 1")
open('/tmp/leak.txt', 'w').write('x')
open('/data/leak.txt', 'w').write('x')
js.Deno.pid`;

/** JavaScript: asks on the BroadcastChannel and waits for an answer that must not come. */
const ASK = "new Promise((resolve) => { const c = new BroadcastChannel('mcp-leak'); " +
  "c.onmessage = () => { c.close(); resolve(true); }; c.postMessage('anyone?'); " +
  `setTimeout(() => { c.close(); resolve(false); }, ${SILENCE_MS}); })`;

interface Probe {
  pid: number;
  random: number;
}

async function probe(server: TestServer): Promise<Probe> {
  const r = await execute(server, PROBE);
  assert.equal(r.ok, true, r.text);
  const [pid, random, ...leaks] = r.result as [number, number, ...boolean[]];
  assert.deepEqual(
    leaks,
    [false, false, false, false, false, false, false],
    "state survived a run",
  );
  return { pid, random };
}

/** Runs `code` (which returns `Deno.pid`), then `count` probes; returns the hostile run's pid. */
async function afterHostile(server: TestServer, code: string, count: number) {
  const hostile = await execute(server, code, 10_000);
  const pid = typeof hostile.result === "number" ? hostile.result : undefined;
  const probes: Probe[] = [];
  for (let i = 0; i < count; i++) probes.push(await probe(server));
  return { hostile, pid, probes };
}

Deno.test({
  name: "worker isolation: nothing a program leaves reaches the next interpreter",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const server = await startServer({ config: config(50) });
    try {
      await t.step("one process serves fresh interpreters one after another", async () => {
        const { hostile, pid, probes } = await afterHostile(server, LEAVE_STATE, 7);
        assert.equal(hostile.ok, true, hostile.text);
        const randoms = new Set(probes.map((p) => p.random));
        assert.equal(randoms.size, probes.length, "every interpreter draws its own randomness");
        const served = new Map<number, number>();
        for (const p of [{ pid: pid! }, ...probes]) served.set(p.pid, (served.get(p.pid) ?? 0) + 1);
        assert.ok(
          [...served.values()].some((n) => n > 1),
          `no process served twice: ${JSON.stringify([...served])}`,
        );
      });

      await t.step("a pending read of stdin gets the process replaced", async () => {
        const code = runJs(
          "for (let i = 0; i < 3; i++) Deno.stdin.read(new Uint8Array(65536)); return Deno.pid;",
        );
        const { hostile, pid, probes } = await afterHostile(server, code, 4);
        assert.equal(hostile.ok, true, hostile.text);
        assert.ok(pid !== undefined);
        for (const p of probes) {
          assert.notEqual(p.pid, pid, "the process with a read left was used");
        }
        await waitFor(() => !isAlive(pid!), "the process that took the fence to be killed");
      });

      await t.step("bytes left in flight on stdout end only that process", async () => {
        const code = runJs(
          "Deno.stdout.write(new TextEncoder().encode('garbage\\n'.repeat(1 << 20))); " +
            "return Deno.pid;",
        );
        const { hostile, probes } = await afterHostile(server, code, 4);
        // Its own run may already have met the garbage (PROTOCOL_VIOLATION); no later one does.
        assert.ok(hostile.ok || hostile.error?.code === "PROTOCOL_VIOLATION", hostile.text);
        assert.equal(probes.length, 4);
      });

      await t.step("a nested Worker gets its process replaced", async () => {
        // The nested Worker answers on a BroadcastChannel (which reaches every Worker of the
        // process); the program checks that it does, so that silence later means it is gone.
        // A process whose program started a Worker is not used again (isolation_channels_test.ts).
        const nested = "const c = new BroadcastChannel('mcp-leak'); " +
          "c.onmessage = () => c.postMessage('alive'); postMessage('listening');";
        const hostile = await execute(
          server,
          runJs(
            "const w = new Worker('data:text/javascript,' + encodeURIComponent(" +
              `${JSON.stringify(nested)}), { type: 'module' }); ` +
              "await new Promise((r) => (w.onmessage = r)); " +
              `return [Deno.pid, await ${ASK}];`,
          ),
        );
        assert.equal(hostile.ok, true, hostile.text);
        const [pid, heard] = hostile.result as [number, boolean];
        assert.equal(heard, true, "the nested Worker did not answer while its parent ran");
        await waitFor(() => !isAlive(pid), "the process of the nested Worker to be killed");
        for (let i = 0; i < 3; i++) {
          const r = await execute(server, runJs(`return [Deno.pid, await ${ASK}];`));
          assert.equal(r.ok, true, r.text);
          const [later, answered] = r.result as [number, boolean];
          assert.equal(answered, false, "a nested Worker of an earlier program answered");
          assert.notEqual(later, pid);
        }
      });

      for (const ending of ["js.Deno.exit(0)", "js.close()"]) {
        await t.step(`${ending} ends the run with an error, the next one works`, async () => {
          const r = await execute(server, `import js\n${ending}`, 10_000);
          assert.equal(r.ok, false);
          assert.equal(r.error?.code, "SANDBOX_CRASH", r.text);
          await probe(server);
        });
      }

      // The Worker's messages to the main thread are the program's to forge too.
      const forged: Array<[string, string]> = [
        ["an early end", 'js.postMessage(js.JSON.parse(\'{"type":"ended","reusable":true}\'))'],
        ["a message of no known kind", "js.postMessage(42)"],
        ["a deadline of zero", 'js.postMessage(js.JSON.parse(\'{"type":"arm","ms":0}\'))'],
      ];
      for (const [name, post] of forged) {
        await t.step(`${name} forged to the main thread ends only that run`, async () => {
          const code =
            `import js, time\n${post}\nfor i in range(50):\n    time.sleep(0.01)\n'survived'`;
          const r = await execute(server, code, 10_000);
          assert.notEqual(r.result, "survived", r.text);
          assert.equal(r.ok, false, r.text);
          await probe(server);
        });
      }
    } finally {
      await server.close();
    }
  },
});

Deno.test({
  name: "worker isolation: a process serves at most recycle_after interpreters",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startServer({ config: config(2) });
    try {
      const served = new Map<number, number>();
      for (let i = 0; i < 6; i++) {
        const { pid } = await probe(server);
        served.set(pid, (served.get(pid) ?? 0) + 1);
      }
      const counts = [...served.values()];
      assert.ok(
        counts.every((n) => n <= 2),
        `a process served more: ${JSON.stringify([...served])}`,
      );
      assert.ok(counts.some((n) => n === 2), `none served twice: ${JSON.stringify([...served])}`);
    } finally {
      await server.close();
    }
  },
});
