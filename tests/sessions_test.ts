/**
 * Sandbox sessions through the real server and client over stdio: state kept between calls,
 * names isolated, reset, a run that ends its session, tasks a run leaves behind, the idle timeout,
 * the limits, memory over 100 calls, and no session child outliving the server.
 */
import assert from "node:assert/strict";
import { startServer, withServer } from "../support/server.ts";
import { run, waitForChildren } from "../support/sessions.ts";
import { isAlive, rssMb, waitForExit } from "../support/processes.ts";
import { denoServer, PACKAGES } from "../support/upstreams.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

Deno.test({
  name: "a session keeps state between calls; names are isolated; reset starts anew",
  ...opts,
  fn: () =>
    withServer({ config: { sandbox: { pool_size: 1 } } }, async ({ client }) => {
      const first = await run(client, "x = 41\ndef inc(v):\n    return v + 1", { session: "a" });
      assert.equal(first.ok, true, first.text);
      assert.deepEqual(first.session, { id: "a", state: "new" });
      const second = await run(client, "inc(x)", { session: "a" });
      assert.equal(second.result, 42, second.text);
      assert.deepEqual(second.session, { id: "a", state: "resumed" });
      assert.match(second.text, /"state":"resumed"/);

      const other = await run(client, "x", { session: "b" });
      assert.equal(other.error?.code, "RUNTIME_ERROR", other.text);
      assert.match(other.error!.message, /NameError/);
      assert.deepEqual(other.session, { id: "b", state: "new" });

      const fresh = await run(client, "x");
      assert.equal(fresh.error?.code, "RUNTIME_ERROR", "a run without a session sees nothing");
      assert.equal(fresh.session, undefined);

      const reset = await run(client, "x", { session: "a", reset: true });
      assert.match(reset.error?.message ?? "", /NameError/, reset.text);
      assert.deepEqual(reset.session, { id: "a", state: "new" });

      const result = await run(client, "result = 1", { session: "a" });
      assert.equal(result.result, 1);
      const later = await run(client, "y = 2", { session: "a" });
      assert.equal(later.result, undefined, "an earlier run's result is not reported again");

      const noSession = await run(client, "1", { reset: true });
      assert.equal(noSession.error?.code, "INVALID_INPUT", noSession.text);
    }),
});

Deno.test({
  name: "a timeout ends the session and the next call starts a new one",
  ...opts,
  fn: () =>
    withServer({ config: { sandbox: { pool_size: 1 } } }, async ({ client }) => {
      await run(client, "kept = 1", { session: "t" });
      const stuck = await run(client, "while True:\n    pass", { session: "t", timeout_ms: 500 });
      assert.equal(stuck.error?.code, "TIMEOUT", stuck.text);
      const next = await run(client, "kept", { session: "t" });
      assert.deepEqual(next.session, { id: "t", state: "new" });
      assert.match(next.error?.message ?? "", /NameError/, next.text);
    }),
});

Deno.test({
  name: "an idle session ends after sessions.idle_timeout_ms",
  ...opts,
  fn: () =>
    withServer(
      { config: { sandbox: { pool_size: 0 }, sessions: { idle_timeout_ms: 300 } } },
      async (server) => {
        const first = await run(server.client, "v = 1", { session: "idle" });
        assert.equal(first.ok, true, first.text);
        // The idle child is killed: the server has no child left (no pool).
        const left = await waitForChildren(server.pid, 0);
        assert.deepEqual(left, [], "the idle session's child was not ended");
        const next = await run(server.client, "v", { session: "idle" });
        assert.deepEqual(next.session, { id: "idle", state: "new" });
      },
    ),
});

Deno.test({
  name: "session limits per connection and in total fail with SESSION_LIMIT naming the setting",
  ...opts,
  async fn() {
    await withServer(
      { config: { sandbox: { pool_size: 0 }, sessions: { max_per_connection: 2 } } },
      async ({ client }) => {
        assert.equal((await run(client, "1", { session: "s1" })).ok, true);
        assert.equal((await run(client, "1", { session: "s2" })).ok, true);
        const third = await run(client, "print('ran')", { session: "s3" });
        assert.equal(third.error?.code, "SESSION_LIMIT", third.text);
        assert.match(third.error!.message, /sessions\.max_per_connection/);
        assert.equal(third.stdout, "");
        assert.equal((await run(client, "2", { session: "s1" })).result, 2, "existing ones work");
        assert.equal((await run(client, "3")).result, 3, "runs without a session work");
      },
    );
    await withServer(
      { config: { sandbox: { pool_size: 0 }, sessions: { max_total: 1 } } },
      async ({ client }) => {
        assert.equal((await run(client, "1", { session: "only" })).ok, true);
        const second = await run(client, "1", { session: "another" });
        assert.equal(second.error?.code, "SESSION_LIMIT", second.text);
        assert.match(second.error!.message, /sessions\.max_total/);
      },
    );
  },
});

Deno.test({
  name: "a session survives 100 calls without its memory growing by more than 10 %",
  ...opts,
  fn: () =>
    withServer({ config: { sandbox: { pool_size: 0 } } }, async (server) => {
      const code = "rows = [{'n': i, 's': str(i) * 5} for i in range(2000)]\n" +
        "total = sum(r['n'] for r in rows)\nprint(total)";
      for (let i = 0; i < 10; i++) await run(server.client, code, { session: "soak" });
      const [child] = await waitForChildren(server.pid, 1);
      const before = await rssMb(child);
      for (let i = 0; i < 90; i++) {
        const r = await run(server.client, code, { session: "soak" });
        assert.equal(r.session?.state, "resumed", r.text);
      }
      const [same] = await waitForChildren(server.pid, 1);
      assert.equal(same, child, "the session kept its child");
      const after = await rssMb(child);
      assert.ok(after <= before * 1.1, `resident memory grew from ${before} MB to ${after} MB`);
    }),
});

for (const how of ["stdin end", "SIGTERM"] as const) {
  Deno.test({
    name: `no session child outlives the server (${how})`,
    ...opts,
    async fn() {
      const server = await startServer({ config: { sandbox: { pool_size: 0 } } });
      let children: number[] = [];
      try {
        await run(server.client, "a = 1", { session: "one" });
        await run(server.client, "b = 2", { session: "two" });
        children = await waitForChildren(server.pid, 2);
        assert.equal(children.length, 2, "both sessions are live children");
        if (how === "SIGTERM") Deno.kill(server.pid, "SIGTERM");
      } finally {
        await server.close();
      }
      for (const pid of children) {
        assert.ok(await waitForExit(pid, 10_000), `session child ${pid} outlived the server`);
      }
      assert.ok(!isAlive(server.pid) || await waitForExit(server.pid, 5000));
    },
  });
}

Deno.test({
  name: "tasks a run leaves behind do not reach the session's next run",
  ...opts,
  fn: () =>
    withServer({
      config: {
        servers: { everything: denoServer(PACKAGES.everything, { args: ["stdio"] }) },
        sandbox: { pool_size: 1 },
        policy: { enabled: false },
      },
    }, async ({ client }) => {
      const session = "leftovers";
      // A task never started is cancelled when the program ends: its call is never made.
      const left = await run(
        client,
        "import asyncio\nv = 1\nasyncio.ensure_future(tools.everything.echo.aio(message='x'))\n'left'",
        { session },
      );
      assert.equal(left.result, "left", left.text);
      assert.deepEqual(left.tool_calls, []);
      // A call already in flight is answered before the run ends, and counted in it.
      const flying = await run(
        client,
        "import asyncio\nop = tools.everything.trigger_long_running_operation\n" +
          "t = asyncio.ensure_future(op.aio(duration=0.2, steps=1))\nawait asyncio.sleep(0)\n'flying'",
        { session },
      );
      assert.equal(flying.result, "flying", flying.text);
      assert.equal(flying.tool_calls.length, 1, flying.text);
      const after = await run(client, "v + 1", { session });
      assert.equal(after.result, 2, after.text);
      assert.deepEqual(after.session, { id: session, state: "resumed" });
    }),
});
