/**
 * A program that patches the built-ins the relay uses (from `run_js`, policy off) can neither read
 * the child's nonce nor the relay's traffic: the worker captured what it needs before any user
 * code ran. The test plays the host's side of the relay itself (a real child, the real protocol),
 * so it knows the nonce and can look for it in everything the program returns.
 */
import assert from "node:assert/strict";
import type { ChildRunResult, ToolRef } from "../../src/relay/protocol.ts";
import { spawnChild } from "../../support/children.ts";

const ECHO: ToolRef = { server: "echo", tool: "echo", py_server: "echo", py_name: "echo", doc: "" };

/**
 * Replaces each built-in with a spy that records what it sees (`this`, the arguments, the whole
 * memory behind a byte array, and the result) as text, then calls the original.
 */
const PATCH = `(() => {
  const loot = globalThis.__loot = [];
  const apply = Reflect.apply, push = Array.prototype.push, decode = TextDecoder.prototype.decode;
  const stringify = JSON.stringify, decoder = new TextDecoder(), Bytes = Uint8Array;
  let busy = false; // the spies use the built-ins they replace: record only outer calls
  const show = (v) => {
    try {
      // A view shows the whole memory behind it (not Python's own heap: too large to copy).
      if (v instanceof Bytes) return show(v.buffer.byteLength <= 1 << 20 ? v.buffer : "");
      if (v instanceof ArrayBuffer) return apply(decode, decoder, [new Bytes(v)]);
      return typeof v === "string" ? v : String(apply(stringify, JSON, [v]));
    } catch { return ""; }
  };
  const record = (values) => {
    if (busy) return;
    busy = true;
    try { for (const v of values) apply(push, loot, [show(v)]); } finally { busy = false; }
  };
  const spy = (owner, name) => {
    const original = owner[name];
    owner[name] = function (...args) {
      const result = apply(original, this, args);
      record([this, ...args, result]);
      return result;
    };
  };
  for (const name of ["subarray", "slice", "set", "indexOf", "fill"]) {
    spy(Uint8Array.prototype, name);
    spy(Object.getPrototypeOf(Uint8Array.prototype), name);
  }
  spy(TextEncoder.prototype, "encode");
  spy(TextEncoder.prototype, "encodeInto");
  spy(TextDecoder.prototype, "decode");
  spy(JSON, "stringify");
  spy(JSON, "parse");
  for (const name of ["slice", "substring", "indexOf", "split", "concat", "trim", "replace"]) {
    spy(String.prototype, name);
  }
  for (const name of ["get", "set", "delete", "has"]) spy(Map.prototype, name);
  for (const name of ["push", "join", "map"]) spy(Array.prototype, name);
  spy(Math, "min");
  for (const name of ["write", "writeSync"]) spy(Deno.stdout, name);
  for (const name of ["read", "readSync"]) spy(Deno.stdin, name);
  Object.defineProperty(Object.prototype, "toJSON", {
    configurable: true,
    value: function () { record([this]); return this; },
  });
  globalThis.Uint8Array = class extends Bytes {
    constructor(...args) { super(...args); record([this]); }
  };
})()`;

const PROGRAM = `from pyodide.code import run_js
run_js(${JSON.stringify(PATCH)})
print("patched")
first = tools.echo.echo(n=1)
second = await tools.echo.echo.aio(n=2)
import asyncio
both = await asyncio.gather(tools.echo.echo.aio(n=3), tools.echo.echo.aio(n=4))
print("called", first, second, both)
loot = run_js("globalThis.__loot.join('\\\\n')")
print(loot)
{"loot": loot, "seen": run_js("globalThis.__loot.length")}`;

for (const isolation of ["process", "worker"] as const) {
  Deno.test(`patched built-ins cannot read the nonce or the relay's traffic (isolation ${isolation})`, async () => {
    const child = await spawnChild({ isolation });
    try {
      assert.deepEqual(await child.ready, { ok: true });
      const done = new Promise<ChildRunResult>((resolve, reject) => {
        child.onEvent((event) => {
          if (event.kind === "exit") {
            return reject(new Error(`the child exited: ${child.stderrTail}`));
          }
          if (event.kind === "violation") return reject(new Error(event.reason));
          const message = event.message;
          if (message.type === "done") return resolve(message.result);
          if (message.type === "tool_call") {
            child.send({
              type: "tool_result",
              call_id: message.call_id,
              ok: true,
              value: message.args,
            });
          }
        });
      });
      await child.send({
        type: "run",
        id: "primordials",
        code: PROGRAM,
        tools: [ECHO],
        policy: null,
        deadline_ms: 30_000,
      });
      const result = await done;
      assert.equal(result.ok, true, JSON.stringify(result.error));
      assert.match(
        result.stdout,
        /^patched\ncalled \{'n': 1\} \{'n': 2\} \[\{'n': 3\}, \{'n': 4\}\]\n/,
      );
      const { seen } = result.result as { seen: number };
      assert.ok(seen > 0, "the spies never ran: the test proves nothing");
      const everything = JSON.stringify(result);
      assert.ok(!everything.includes(child.nonce), "the nonce leaked into the run's result");
      assert.ok(
        !/"type":"tool_(call|result)"/.test(String((result.result as { loot: string }).loot)),
        "the relay's traffic was seen by a patched built-in",
      );
    } finally {
      child.kill();
      await child.exited;
    }
  });
}
