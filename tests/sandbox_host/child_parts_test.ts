/**
 * The pure parts of the host's view of a child: stdout split into capped lines
 * (`frame_lines.ts`), the recycling state of a worker-isolation child (`recycle_state.ts`), one
 * interpreter's start (`interpreter_start.ts`) and the `init` message (`child_spawn.ts`).
 */
import assert from "node:assert/strict";
import { SandboxConfigSchema } from "../../src/config.ts";
import { initMessage, startFailure } from "../../src/sandbox_host/child_spawn.ts";
import { FrameLines } from "../../src/sandbox_host/frame_lines.ts";
import { InterpreterStart } from "../../src/sandbox_host/interpreter_start.ts";
import { childCommand } from "../../src/sandbox_host/paths.ts";
import { RecycleState } from "../../src/sandbox_host/recycle_state.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

Deno.test("frame lines: split across chunks, in order, UTF-8 whole", () => {
  const lines = new FrameLines(16);
  assert.deepEqual(lines.push(bytes("ab\ncd")), { ok: true, lines: ["ab"] });
  const euro = bytes("€\n");
  assert.deepEqual(lines.push(euro.subarray(0, 1)), { ok: true, lines: [] });
  assert.deepEqual(lines.push(euro.subarray(1)), { ok: true, lines: ["cd€"] });
  assert.deepEqual(lines.push(bytes("\n\nx\n")), { ok: true, lines: ["", "", "x"] });
});

Deno.test("frame lines: a line past the cap is refused, finished or not", () => {
  assert.equal(new FrameLines(4).push(bytes("12345\n")).ok, false);
  const open = new FrameLines(4);
  assert.deepEqual(open.push(bytes("1234")), { ok: true, lines: [] });
  const refused = open.push(bytes("5"));
  assert.match(!refused.ok ? refused.reason : "", /exceeds 4 bytes/);
  assert.deepEqual(new FrameLines(4).push(bytes("1234\n")), { ok: true, lines: ["1234"] });
});

Deno.test("recycle state: recycle needs done first, and only once", () => {
  const early = new RecycleState();
  assert.equal(early.ask(), "violation");
  const twice = new RecycleState();
  twice.done();
  assert.equal(twice.ask(), "wait");
  assert.equal(twice.ask(), "violation");
});

Deno.test("recycle state: the fence waits for both the release and recycle, in either order", () => {
  const askedFirst = new RecycleState();
  askedFirst.done();
  assert.equal(askedFirst.ask(), "wait");
  assert.equal(askedFirst.between, false);
  assert.equal(askedFirst.release(), true, "released after asking: fence now");
  assert.equal(askedFirst.between, true);
  const releasedFirst = new RecycleState();
  releasedFirst.done();
  assert.equal(releasedFirst.release(), false);
  assert.equal(releasedFirst.release(), false, "a second release changes nothing");
  assert.equal(releasedFirst.ask(), "fence");
  releasedFirst.fenced();
  assert.equal(releasedFirst.ask(), "violation", "the next interpreter has not run yet");
  releasedFirst.settled();
  assert.equal(releasedFirst.between, false);
});

Deno.test("interpreter start: phases in order with time, CPU when measured, ready once", async () => {
  let cpu = 10;
  const start = new InterpreterStart(60_000, () => assert.fail("timed out"), () => cpu++);
  start.mark("fence");
  start.mark("pyodide");
  start.mark("ready");
  start.mark("warm_up"); // after ready: the start is over
  start.fail("too late");
  assert.deepEqual(await start.ready, { ok: true });
  assert.deepEqual(start.phases.map((p) => [p.name, p.cpu_ms]), [
    ["fence", 10],
    ["pyodide", 11],
    ["ready", 12],
  ]);
  assert.ok(start.phases.every((p, i) => i === 0 || p.wall_ms >= start.phases[i - 1].wall_ms));
  const unmeasured = new InterpreterStart(60_000, () => {}, () => undefined);
  unmeasured.mark("ready");
  assert.equal("cpu_ms" in unmeasured.phases[0], false);
});

Deno.test("interpreter start: not ready in time fails and calls back", async () => {
  let called = false;
  const start = new InterpreterStart(1, () => (called = true), () => undefined);
  assert.deepEqual(await start.ready, { ok: false, message: "not ready after 1 ms" });
  assert.equal(called, true);
});

Deno.test("init message: worker isolation only with a bundle; failures name the stderr tail", () => {
  const config = SandboxConfigSchema.parse({ recycle_after: 7 });
  const plain = initMessage(config, "n", 10, [[0, 10]], 0);
  assert.equal("isolation" in plain, false);
  const worker = initMessage(config, "n", 10, [[0, 10]], 99);
  assert.deepEqual(
    worker.type === "init" ? worker.isolation : null,
    { bundle_bytes: 99, recycle_after: 7 },
  );
  const status = { success: false, code: 70, signal: null } as Deno.CommandStatus;
  assert.equal(
    startFailure(status, "a\nb\nc\nd\n"),
    "exited with code 70 before it was ready: b | c | d",
  );
});

Deno.test("child command: no permission flag, and a fixed environment (two more for Workers)", () => {
  for (const isolation of ["process", "worker"] as const) {
    const command = childCommand(SandboxConfigSchema.parse({ isolation }), "run");
    assert.equal(command.args.some((arg) => arg.startsWith("--allow")), false);
    const names = Object.keys(command.env).sort();
    const expected = ["DENO_DIR", "DENO_EMIT_CACHE_MODE", "DENO_WEBGPU_BACKEND"];
    if (isolation === "worker") expected.push("MALLOC_ARENA_MAX", "MALLOC_MMAP_THRESHOLD_");
    assert.deepEqual(names, expected.sort(), isolation);
    // Shared compiled wasm is compiled up front: no first call tells of an earlier run's.
    const v8 = command.args.find((arg) => arg.startsWith("--v8-flags=")) ?? "";
    assert.equal(v8.includes("--no-wasm-lazy-compilation"), isolation === "worker", v8);
  }
});
