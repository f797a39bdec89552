/**
 * The audit log's bounds, in a temp folder: a line of 15,000 long keys stays under the line bound
 * and says what was cut; the file is held to its size, rotates to `<name>.1` with a first line
 * saying so, and two processes writing one file at once lose and split no line; calls refused
 * past the cap become one line when the run ends; lines a failed write or a full queue lost are
 * counted in the log once it can be written; the folder is created; a device is never rotated.
 */
import assert from "node:assert/strict";
import { AUDIT_MAX_LINE_BYTES, AuditLog, type AuditRecord } from "../src/approval/audit_log.ts";
import { fitting } from "../src/approval/audit_file.ts";

type Line = Record<string, unknown>;

const record = (i: number, args: Record<string, unknown> = { n: i }): AuditRecord => ({
  time: new Date(0).toISOString(),
  session: "stdio",
  execution: "e1",
  server: "fs",
  tool: "write_file",
  arguments: args,
  approval: "not_required",
  ok: true,
  ms: 1,
});

async function lines(path: string): Promise<Line[]> {
  const text = await Deno.readTextFile(path).catch(() => "");
  return text.split("\n").filter(Boolean).map((l) => JSON.parse(l));
}

async function inTemp(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "audit-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("fitting: lines go in while the file stays within its bound; an empty file takes one", () => {
  assert.equal(fitting(0, 0, [10, 10, 10], 25), 2);
  assert.equal(fitting(20, 0, [10], 25), 0);
  assert.equal(fitting(0, 0, [100], 25), 1, "an empty file takes a line bigger than the bound");
  assert.equal(fitting(30, 30, [100, 1], 25), 1, "so does a file holding only a rotation line");
  assert.equal(fitting(5, 0, [], 25), 0);
});

Deno.test("AuditLog: a call with 15,000 keys of 157 characters is one bounded line", async () => {
  await inTemp(async (dir) => {
    const args: Record<string, number> = {};
    for (let i = 0; i < 15_000; i++) args[`k${i}`.padEnd(157, "x")] = i;
    const audit = new AuditLog(`${dir}/audit.jsonl`);
    audit.record({ ...record(0, args), server: "s".repeat(5000) });
    await audit.flush();
    const text = await Deno.readTextFile(`${dir}/audit.jsonl`);
    assert.ok(new TextEncoder().encode(text).length <= AUDIT_MAX_LINE_BYTES, `${text.length}`);
    const [line] = await lines(`${dir}/audit.jsonl`);
    assert.deepEqual(line.cut, { keys: 14_950, characters: 50 * 57 });
    assert.equal((line.arguments as Line)["…"], "[… 14950 more keys]");
    assert.match(line.server as string, /^s{200}… \[4800 more characters\]$/);
  });
});

Deno.test("AuditLog: the file is held to maxBytes and rotates with a first line saying so", async () => {
  await inTemp(async (dir) => {
    const path = `${dir}/audit.jsonl`;
    const audit = new AuditLog(path, [], { maxBytes: 20_000 });
    for (let i = 0; i < 150; i++) {
      audit.record(record(i, { n: i, pad: "p".repeat(190) }));
      if (i % 7 === 0) await audit.flush(); // rounds of different sizes
    }
    await audit.flush();
    for (const file of [path, `${path}.1`]) {
      assert.ok((await Deno.stat(file)).size <= 20_000, file);
    }
    const [rotated, ...rest] = await lines(path);
    assert.equal(rotated.summary, "rotated");
    assert.equal(rotated.previous, "audit.jsonl.1");
    assert.equal(rotated.max_bytes, 20_000);
    assert.equal(rotated.previous_bytes, (await Deno.stat(`${path}.1`)).size);
    const older = await lines(`${path}.1`);
    const kept = [...older, ...rest].filter((l) => !l.summary).map((l) => (l.arguments as Line).n);
    // The newest lines are all there, in order, each whole; older files went (and said so).
    assert.deepEqual(kept, [...Array(150).keys()].slice(150 - kept.length));
    assert.ok(kept.length > 80, `${kept.length} kept`);
    if (older[0]?.summary === "rotated") assert.ok((older[0].replaced_bytes as number) >= 0);
    assert.ok((rotated.replaced_bytes as number) > 0, "the second rotation replaced a file");
  });
});

Deno.test("AuditLog: two processes writing one file at once lose and split no line", async () => {
  await inTemp(async (dir) => {
    const path = `${dir}/audit.jsonl`;
    const module = new URL("../src/approval/audit_log.ts", import.meta.url).href;
    const go = `${dir}/go`;
    const writer = (who: string) =>
      new Deno.Command(Deno.execPath(), {
        args: [
          "eval",
          `import { AuditLog } from ${JSON.stringify(module)};\n` +
          `const audit = new AuditLog(${JSON.stringify(path)}, [], { maxBytes: 40_000 });\n` +
          // Both start together: each waits for the test's signal.
          `while (!(await Deno.stat(${JSON.stringify(go)}).catch(() => null))) ` +
          `await new Promise((r) => setTimeout(r, 1));\n` +
          `for (let i = 0; i < 400; i++) {\n` +
          `  audit.record({ time: "", session: ${JSON.stringify(who)}, execution: "", ` +
          `server: "s", tool: "t", arguments: { i, pad: "x".repeat(400) }, ` +
          `approval: "not_required", ok: true, ms: 0 });\n` +
          `  await audit.flush();\n` +
          `}`,
        ],
        stdout: "null",
        stderr: "piped",
      }).output();
    const running = [writer("a"), writer("b")];
    await Deno.writeTextFile(go, "");
    for (const output of await Promise.all(running)) {
      assert.ok(output.success, new TextDecoder().decode(output.stderr));
    }
    const newest = await lines(path);
    const all = [...await lines(`${path}.1`), ...newest];
    assert.equal(newest[0].summary, "rotated");
    assert.equal(newest[0].previous_bytes, (await Deno.stat(`${path}.1`)).size);
    assert.ok(all.length > 100, `${all.length} lines`);
    // Whatever rotated away went whole and oldest first: each writer's lines are its newest.
    for (const who of ["a", "b"]) {
      const mine = all.filter((l) => l.session === who).map((l) => (l.arguments as Line).i);
      assert.deepEqual(mine, [...Array(400).keys()].slice(400 - mine.length), `writer ${who}`);
    }
    for (const file of [path, `${path}.1`]) assert.ok((await Deno.stat(file)).size <= 40_000);
  });
});

Deno.test("AuditLog: calls refused past the cap are one line, written when the run ends", async () => {
  await inTemp(async (dir) => {
    const audit = new AuditLog(`${dir}/audit.jsonl`);
    const run = new AbortController();
    for (let i = 0; i < 1000; i++) {
      const tool = `t${i % 25}`;
      const time = new Date(i).toISOString();
      audit.refused(
        { time, session: "stdio", execution: "e1", server: "s", tool, code: "TOOL_CALL_LIMIT" },
        run.signal,
      );
    }
    await audit.flush();
    assert.deepEqual(await lines(`${dir}/audit.jsonl`), [], "nothing before the run ends");
    run.abort();
    await audit.flush();
    const [line, ...more] = await lines(`${dir}/audit.jsonl`);
    assert.equal(more.length, 0);
    assert.equal(line.summary, "refused");
    assert.equal(line.code, "TOOL_CALL_LIMIT");
    assert.equal(line.refused, 1000);
    assert.equal(line.execution, "e1");
    assert.equal(line.first, new Date(0).toISOString());
    assert.equal(line.last, new Date(999).toISOString());
    const tools = line.tools as Record<string, number>;
    assert.equal(Object.keys(tools).length, 20);
    assert.equal(tools["s.t0"], 40);
    assert.equal(line.other_tools, 5 * 40);
  });
});

Deno.test("AuditLog: a refusal after the run ended still gets its line", async () => {
  await inTemp(async (dir) => {
    const audit = new AuditLog(`${dir}/audit.jsonl`);
    const call = {
      time: "",
      session: "stdio",
      execution: "e2",
      server: "s",
      tool: "t",
      code: "TOOL_CALL_LIMIT",
    };
    audit.refused(call, AbortSignal.abort());
    audit.refused(call, AbortSignal.abort());
    await new Promise((resolve) => setTimeout(resolve, 0)); // the line is queued on the next turn
    await audit.flush();
    const found = await lines(`${dir}/audit.jsonl`);
    assert.deepEqual(found.map((l) => [l.summary, l.refused]), [["refused", 2]]);
  });
});

Deno.test("AuditLog: lines a failed write lost are counted once the log can be written", async () => {
  await inTemp(async (dir) => {
    await Deno.writeTextFile(`${dir}/logs`, "a file where the folder should be");
    const path = `${dir}/logs/audit.jsonl`;
    const audit = new AuditLog(path);
    for (let i = 0; i < 5; i++) audit.record(record(i));
    await audit.flush();
    await Deno.remove(`${dir}/logs`);
    audit.record(record(5));
    await audit.flush();
    const [dropped, line] = await lines(path);
    assert.equal(dropped.summary, "dropped");
    assert.equal(dropped.lines, 5);
    assert.ok((dropped.bytes as number) > 5 * 100);
    assert.match((dropped.reasons as string[])[0], /^writing failed: /);
    assert.equal((line.arguments as Line).n, 5);
  });
});

Deno.test("AuditLog: lines past a full queue are counted, not kept", async () => {
  await inTemp(async (dir) => {
    const path = `${dir}/audit.jsonl`;
    const audit = new AuditLog(path, [], { maxPendingBytes: 1000 });
    for (let i = 0; i < 50; i++) audit.record(record(i));
    await audit.flush();
    const found = await lines(path);
    const dropped = found.find((l) => l.summary === "dropped")!;
    const written = found.filter((l) => !l.summary).length;
    assert.equal(written + (dropped.lines as number), 50);
    assert.ok(written >= 2 && written < 10, `${written} written`);
    assert.match((dropped.reasons as string[])[0], /queue/);
  });
});

Deno.test("AuditLog: the folder is created; a device is written as it is, never rotated", async () => {
  await inTemp(async (dir) => {
    const audit = new AuditLog(`${dir}/a/b/audit.jsonl`);
    audit.record(record(1));
    await audit.flush();
    assert.equal((await lines(`${dir}/a/b/audit.jsonl`)).length, 1);
  });
  await inTemp(async (dir) => {
    const fifo = `${dir}/pipe`;
    assert.ok((await new Deno.Command("mkfifo", { args: [fifo] }).output()).success);
    // Held open for reading and writing, the pipe never blocks a writer.
    using reader = await Deno.open(fifo, { read: true, write: true });
    const device = new AuditLog(fifo, [], { maxBytes: 1 });
    for (let i = 0; i < 3; i++) device.record(record(i));
    await device.flush();
    const buffer = new Uint8Array(64 * 1024);
    const got = new TextDecoder().decode(buffer.subarray(0, (await reader.read(buffer)) ?? 0));
    assert.equal(got.trim().split("\n").length, 3);
    const names = [];
    for await (const entry of Deno.readDir(dir)) names.push(entry.name);
    assert.deepEqual(names, ["pipe"], "no .lock, no .1");
  });
});
