/**
 * The tool catalog sent ahead of the run (`prepare`): a pool child is prepared with the catalog
 * when it becomes ready, a run with that same catalog leaves it out of its message, and a run
 * whose catalog changed in between carries the new one — the program always sees the catalog of
 * its own run. Real children, through the executor.
 */
import assert from "node:assert/strict";
import type { ToolDispatcher, ToolRef } from "../../src/contracts.ts";
import { SandboxConfigSchema } from "../../src/config.ts";
import { Executor } from "../../src/sandbox_host/executor.ts";
import { spawnChild } from "../../support/children.ts";

function ref(server: string, tool: string): ToolRef {
  return { server, tool, py_server: server, py_name: tool, doc: `def ${tool}() -> str: ...` };
}

const LIST = "sorted(f'{s}.{t}' for s in dir(tools) for t in dir(getattr(tools, s)))";

/** An executor with a pool of one whose tools are `catalog()` (each call answers its name). */
async function withExecutor(
  catalog: () => ToolRef[],
  fn: (executor: Executor) => Promise<void>,
): Promise<void> {
  const dispatcher: ToolDispatcher = {
    catalog,
    call: (tool) => Promise.resolve({ ok: true, value: `called ${tool.tool}` }),
  };
  const made = await Executor.create(SandboxConfigSchema.parse({ pool_size: 1 }), { dispatcher });
  assert.ok(made.ok, !made.ok ? made.message : "");
  try {
    await fn(made.executor);
  } finally {
    await made.executor.close();
  }
}

Deno.test("the program sees its run's catalog, prepared ahead or sent with the run", async () => {
  let catalog = [ref("alpha", "one"), ref("alpha", "two")];
  await withExecutor(() => catalog, async (executor) => {
    await executor.pool.warmUp(); // prepared with alpha.one, alpha.two
    const first = await executor.execute(`${LIST}, tools.alpha.two()`);
    assert.deepEqual(first.result, [["alpha.one", "alpha.two"], "called two"]);
    await executor.pool.warmUp(); // the next child, prepared with the same catalog
    catalog = [ref("beta", "three")]; // changed after that child was prepared
    const second = await executor.execute(LIST);
    assert.deepEqual(second.result, ["beta.three"]);
  });
});

Deno.test("a session's runs each see the catalog: prepared for the first, rebuilt after", async () => {
  await withExecutor(() => [ref("alpha", "one")], async (executor) => {
    const session = { sessions: executor.sessions.connection({ keptBytes: 0 }), name: "s" };
    await executor.pool.warmUp();
    for (const code of ["tools.alpha.one()", "tools.alpha.one = None\ntools.alpha", LIST]) {
      const r = await executor.execute(code, { session });
      assert.equal(r.ok, true, JSON.stringify(r));
    }
    const last = await executor.execute("tools.alpha.one()", { session });
    assert.equal(last.result, "called one", "each run builds its own tools namespace");
  });
});

Deno.test("a run message without tools runs with the prepared catalog", async () => {
  const child = await spawnChild();
  try {
    assert.ok((await child.ready).ok);
    const prepared = [ref("gamma", "four")];
    child.prepare(prepared, null);
    assert.equal(child.preparedFor([ref("gamma", "four")]), true, "same content, other objects");
    assert.equal(child.preparedFor([ref("gamma", "five")]), false);
    const done = new Promise<unknown>((resolve) =>
      child.onEvent((e) => {
        if (e.kind === "message" && e.message.type === "done") resolve(e.message.result.result);
      })
    );
    await child.send({ type: "run", id: "r", code: LIST, policy: null, out_bytes: 0 });
    assert.deepEqual(await done, ["gamma.four"]);
  } finally {
    child.kill();
    await child.exited;
  }
});
