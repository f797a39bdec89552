/**
 * The host's side of worker isolation (`src/sandbox_host/child.ts`, `pool.ts`): a released child
 * that says `recycle` gets a `fence` with a new nonce and is ready again (once its new Worker is
 * its only one); `recycle` out of turn, twice, or a line still framed with the old nonce condemns
 * the child. The misbehaving children
 * are small scripts speaking the relay protocol (the real sandbox never does these things); the
 * pool is tested with real worker-isolation children.
 */
import assert from "node:assert/strict";
import { SandboxConfigSchema } from "../../src/config.ts";
import { type ChildEvent, SandboxChild } from "../../src/sandbox_host/child.ts";
import { ensureInterpreterBundle } from "../../src/sandbox_host/interpreter_bundle.ts";
import { WarmPool } from "../../src/sandbox_host/pool.ts";
import { emptyDir, ensureSnapshot } from "../../src/sandbox_host/snapshot.ts";

/** A scripted child: reads `init`, says `ready`, then runs `script` (with `say`, `line`). */
function scripted(script: string): SandboxChild {
  const source = `
const buf = new Uint8Array(65536), dec = new TextDecoder(), enc = new TextEncoder();
let text = "";
async function line() {
  while (!text.includes("\\n")) {
    const n = await Deno.stdin.read(buf);
    if (n === null) Deno.exit(0);
    text += dec.decode(buf.subarray(0, n));
  }
  const at = text.indexOf("\\n"), one = text.slice(0, at);
  text = text.slice(at + 1);
  return JSON.parse(one);
}
const say = (nonce, m) => Deno.stdout.writeSync(enc.encode(nonce + " " + JSON.stringify(m) + "\\n"));
const init = await line();
say(init.nonce, { type: "ready" });
${script}
await line();`;
  const config = SandboxConfigSchema.parse({ use_snapshot: false, start_timeout_ms: 10_000 });
  return SandboxChild.spawn({
    config,
    snapshot: new Uint8Array(0),
    cwd: "/",
    // A one-byte "bundle" (a space before the next line) makes the child recyclable.
    bundle: new TextEncoder().encode(" "),
    command: { path: Deno.execPath(), args: ["eval", source], env: {}, cwd: "/" },
  });
}

/** Sends a run; on its `done` releases the child at once (as a Run does) and resolves. */
function runAndRelease(child: SandboxChild): Promise<void> {
  return new Promise((resolve) => {
    child.onEvent((event: ChildEvent) => {
      if (event.kind === "message" && event.message.type === "done") {
        child.release();
        resolve();
      }
    });
    void child.send({ type: "run", id: "r", code: "", policy: null });
  });
}

const DONE = `const run = await line();
say(init.nonce, { type: "done", id: run.id, result: { ok: true, stdout: "", stderr: "" } });`;

/** Starts a Worker that idles, as an interpreter's would (the host checks for one per interpreter). */
const IDLE_WORKER =
  "new Worker('data:text/javascript,setInterval(() => {}, 1000)', { type: 'module' })";

Deno.test("a released child's recycle is fenced with a new nonce, and it is ready again", async () => {
  const child = scripted(`const first = ${IDLE_WORKER};
${DONE}
first.terminate();
say(init.nonce, { type: "recycle" });
const fence = await line();
const second = ${IDLE_WORKER};
say(fence.nonce, { type: "phase", name: "fence" });
say(fence.nonce, { type: "ready" });`);
  assert.equal((await child.ready).ok, true);
  const first = child.nonce;
  await runAndRelease(child);
  assert.equal(await child.nextInterpreter(), true);
  assert.notEqual(child.nonce, first);
  assert.deepEqual(child.startPhases.map((p) => p.name), ["fence", "ready"]);
  child.kill();
  await child.exited;
});

Deno.test("recycle before the run's done condemns the child", async () => {
  const child = scripted(`say(init.nonce, { type: "recycle" });`);
  const events: ChildEvent[] = [];
  child.onEvent((event) => events.push(event));
  await child.exited;
  const violation = events.find((e) => e.kind === "violation");
  assert.match(violation?.kind === "violation" ? violation.reason : "", /not finished its run/);
});

Deno.test("recycle twice condemns the child", async () => {
  const child = scripted(`${DONE}
say(init.nonce, { type: "recycle" });
say(init.nonce, { type: "recycle" });`);
  assert.equal((await child.ready).ok, true);
  await runAndRelease(child);
  assert.equal(await child.nextInterpreter(), false);
  const ready = await child.ready;
  assert.match(ready.ok ? "" : ready.message, /recycle/);
});

Deno.test("after the fence a line framed with the old nonce condemns the child", async () => {
  const child = scripted(`${DONE}
say(init.nonce, { type: "recycle" });
await line();
say(init.nonce, { type: "phase", name: "fence" });`);
  assert.equal((await child.ready).ok, true);
  await runAndRelease(child);
  assert.equal(await child.nextInterpreter(), false);
  const ready = await child.ready;
  assert.match(ready.ok ? "" : ready.message, /unframed line/);
});

Deno.test({
  name: "the pool takes a worker-isolation child back once it serves a fresh interpreter",
  async fn() {
    const config = SandboxConfigSchema.parse({
      pool_size: 1,
      max_concurrent: 1,
      isolation: "worker",
    });
    const snapshot = await ensureSnapshot(config);
    const bundle = await ensureInterpreterBundle();
    assert.ok(snapshot.ok && bundle.ok);
    const pool = new WarmPool({
      config,
      snapshot: snapshot.bytes,
      cwd: await emptyDir(config),
      bundle: bundle.bytes,
    });
    try {
      await pool.warmUp();
      const acquired = await pool.acquire();
      assert.ok(acquired.ok);
      const { child } = acquired;
      assert.equal(pool.pids.includes(child.pid), false, "handed out, no longer idle");
      await runAndRelease(child);
      assert.equal(child.recycling, true);
      assert.equal(await child.nextInterpreter(), true);
      assert.equal(child.recycling, false);
      assert.ok(pool.pids.includes(child.pid), "the child is idle in the pool again");
      assert.ok(pool.live <= pool.cap);
    } finally {
      await pool.close();
    }
  },
});

Deno.test("a Worker of the earlier interpreter still running condemns the child", async () => {
  // The first "interpreter" leaves its Worker running and starts the next one beside it.
  const child = scripted(`const first = ${IDLE_WORKER};
${DONE}
say(init.nonce, { type: "recycle" });
const fence = await line();
const second = ${IDLE_WORKER};
say(fence.nonce, { type: "phase", name: "fence" });
say(fence.nonce, { type: "ready" });`);
  assert.equal((await child.ready).ok, true);
  const events: ChildEvent[] = [];
  await runAndRelease(child);
  child.onEvent((event) => events.push(event));
  assert.equal(await child.nextInterpreter(), false);
  const violation = events.find((e) => e.kind === "violation");
  assert.match(
    violation?.kind === "violation" ? violation.reason : JSON.stringify(events),
    /still running beside the new interpreter's \(Workers: worker-1, worker-2\)/,
  );
});

Deno.test("ready before the fence was read condemns the child", async () => {
  const child = scripted(`const first = ${IDLE_WORKER};
${DONE}
first.terminate();
say(init.nonce, { type: "recycle" });
const fence = await line();
say(fence.nonce, { type: "ready" });`);
  assert.equal((await child.ready).ok, true);
  await runAndRelease(child);
  assert.equal(await child.nextInterpreter(), false);
});
