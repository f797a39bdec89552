/**
 * Test support for worker isolation (`sandbox.isolation: "worker"`): the server's settings, Python
 * that runs JavaScript in the interpreter's Worker, and a loop that runs a probe until the process
 * of an earlier run serves again (the pool alternates between its children).
 */
import assert from "node:assert/strict";
import { execute, type TestServer } from "./server.ts";

/** One child at a time in worker isolation, the policy off (the attacks need `js`). */
export const workerConfig = (recycleAfter: number) => ({
  sandbox: { pool_size: 1, max_concurrent: 1, isolation: "worker", recycle_after: recycleAfter },
  policy: { enabled: false },
});

/** Python that runs `body` as an async JavaScript function and returns its (JSON) result. */
export const runJs = (body: string) =>
  "from pyodide.code import run_js\nimport json\n" +
  `json.loads(await run_js(${
    JSON.stringify(`(async () => JSON.stringify(await (async () => { ${body} })()))()`)
  }))`;

/**
 * Runs `code` (whose result is `[pid, ...rest]`) until the process `pid` served it, checking each
 * result's `rest`; fails when that process did not serve again within `tries` runs.
 */
export async function untilServedBy(
  server: TestServer,
  pid: number,
  code: string,
  check: (rest: unknown[]) => void,
  tries = 6,
): Promise<void> {
  for (let i = 0; i < tries; i++) {
    const r = await execute(server, code, 10_000);
    assert.equal(r.ok, true, r.text);
    const [served, ...rest] = r.result as [number, ...unknown[]];
    check(rest);
    if (served === pid) return;
  }
  assert.fail(`the process ${pid} did not serve again in ${tries} runs`);
}
