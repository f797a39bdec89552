/**
 * Every execution starts from the same memory snapshot, but not with the same state: what a
 * snapshot would freeze — the `random` module's generator — is fresh in each child, and what
 * loading Pyodide needed in its JavaScript globals (the shell functions) is gone. Through the
 * real server, with the policy off, in both isolations.
 */
import assert from "node:assert/strict";
import { execute, withServer } from "../../support/server.ts";

const RUNS = 4;

for (const isolation of ["process", "worker"]) {
  const config = { sandbox: { isolation }, policy: { enabled: false } };

  Deno.test(`each fresh interpreter draws its own random numbers (isolation ${isolation})`, async () => {
    await withServer({ config }, async (server) => {
      const draws: string[] = [];
      for (let i = 0; i < RUNS; i++) {
        const r = await execute(server, "import random\n[random.random(), random.getrandbits(64)]");
        assert.equal(r.ok, true, r.text);
        draws.push(JSON.stringify(r.result));
      }
      assert.equal(
        new Set(draws).size,
        RUNS,
        `the same draws in several runs: ${draws.join(", ")}`,
      );
    });
  });

  Deno.test(`Pyodide's shell-mode globals are gone before a program runs, and so is process (isolation ${isolation})`, async () => {
    await withServer({ config }, async (server) => {
      const r = await execute(
        server,
        "from pyodide.code import run_js\n" +
          "run_js('[typeof process, typeof read, typeof readbuffer, typeof load, typeof window]')" +
          ".to_py()",
      );
      assert.equal(r.ok, true, r.text);
      assert.deepEqual(r.result, ["undefined", "undefined", "undefined", "undefined", "undefined"]);
    });
  });
}
