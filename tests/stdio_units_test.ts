/**
 * Unit tests of the stdio pieces: the capped line framer (and how it finds the id of a message it
 * dropped), the stderr tail, and the environment a stdio upstream gets.
 */
import assert from "node:assert/strict";
import { StderrTail } from "../src/broker/stderr_tail.ts";
import { upstreamEnv } from "../src/broker/stdio_client_transport.ts";
import { findId, type Frame, LineFramer } from "../src/stdio/line_framer.ts";

const bytes = (text: string) => new TextEncoder().encode(text);
const ping = (id: number | string) => JSON.stringify({ jsonrpc: "2.0", id, method: "ping" });

/** Feeds `text` in chunks of `size` bytes and collects every frame. */
function feed(framer: LineFramer, text: string, size: number): Frame[] {
  const all = bytes(text);
  const frames: Frame[] = [];
  for (let at = 0; at < all.length; at += size) {
    frames.push(...framer.push(all.subarray(at, at + size)));
  }
  return frames;
}

Deno.test("framer: messages split across chunks, CRLF and blank lines", () => {
  const text = `${ping(1)}\r\n\n${ping(2)}\n${ping("a")}\n`;
  for (const size of [1, 7, 64, 10_000]) {
    const frames = feed(new LineFramer(1000), text, size);
    assert.deepEqual(
      frames.map((f) => f.kind === "message" && "id" in f.message ? f.message.id : f.kind),
      [1, 2, "a"],
      `chunks of ${size}`,
    );
  }
});

Deno.test("framer: a line that is not JSON-RPC is invalid, the next one still parses", () => {
  const frames = new LineFramer(1000).push(bytes(`{oops\n{"a":1}\n${ping(3)}\n`));
  assert.deepEqual(frames.map((f) => f.kind), ["invalid", "invalid", "message"]);
});

Deno.test("framer: exactly the cap passes, one byte more is oversized", () => {
  const line = ping(12345);
  assert.equal(new LineFramer(line.length).push(bytes(`${line}\n`))[0].kind, "message");
  assert.deepEqual(new LineFramer(line.length - 1).push(bytes(`${line}\n`)), [
    { kind: "oversized", bytes: line.length, id: 12345 },
  ]);
});

Deno.test("framer: an oversized line is dropped as it streams; the stream goes on", () => {
  const big = JSON.stringify({
    method: "tools/call",
    params: { blob: "x".repeat(50_000) },
    jsonrpc: "2.0",
    id: 9,
  });
  const framer = new LineFramer(1000);
  const frames = feed(framer, `${ping(1)}\n${big}\n${ping(2)}\n`, 4096);
  assert.deepEqual(frames.map((f) => f.kind), ["message", "oversized", "message"]);
  assert.deepEqual(frames[1], { kind: "oversized", bytes: big.length, id: 9 });
});

Deno.test("framer: a new line after clear() starts clean", () => {
  const framer = new LineFramer(100);
  framer.push(bytes('{"half'));
  framer.clear();
  assert.equal(framer.push(bytes(`${ping(4)}\n`))[0].kind, "message");
});

Deno.test("findId: the id at the start, at the end, quoted, or none", () => {
  const find = (head: string, tail = "") => findId(bytes(head), bytes(tail));
  assert.equal(find('{"jsonrpc":"2.0","id":17,"method":"x","params":{"a":"'), 17);
  assert.equal(find('{"id": "r-1", "result": {"'), "r-1");
  assert.equal(find('{"result":{"content":[{"', 'xx"}]},"jsonrpc":"2.0","id":5}'), 5);
  assert.equal(find('{"result":{"', 'x"},"id":-3,"jsonrpc":"2.0"}\r'), -3);
  assert.equal(find('{"result":{"', '"}, "id": "a\\"b"}'), 'a"b');
  assert.equal(find('{"method":"notifications/x","params":{"', '"}}'), undefined);
  assert.equal(find('{"params":{"', '"nested":{"id":4}}}'), undefined, "a nested id is not it");
});

Deno.test("stderr tail: keeps the last lines, cut and without colour codes", () => {
  const tail = new StderrTail(3, 20);
  assert.deepEqual(tail.push("one\ntwo\nthr"), ["one", "two"]);
  assert.deepEqual(tail.lines(), ["one", "two", "thr"]);
  tail.push(bytes("ee\n\x1b[0m\x1b[1m\x1b[31merror\x1b[0m: boom\n"));
  tail.push("x".repeat(50) + "\n");
  assert.deepEqual(tail.lines(), ["three", "error: boom", `${"x".repeat(20)}…`]);
  assert.equal(tail.text(), `three | error: boom | ${"x".repeat(20)}…`);
  assert.equal(new StderrTail().text(), "");
});

Deno.test("stderr tail: a multi-byte character split across chunks survives", () => {
  const tail = new StderrTail();
  const all = bytes("naïve\n");
  tail.push(all.subarray(0, 3));
  tail.push(all.subarray(3));
  assert.deepEqual(tail.lines(), ["naïve"]);
});

Deno.test("upstream env: the SDK's defaults, DENO_DIR and CA settings, then the configured env", () => {
  const previous = Deno.env.get("DENO_DIR");
  Deno.env.set("DENO_DIR", "/tmp/some-deno-dir");
  try {
    const env = upstreamEnv({ FOO: "1" });
    assert.equal(env.DENO_DIR, "/tmp/some-deno-dir");
    for (const name of ["NODE_EXTRA_CA_CERTS", "SSL_CERT_FILE"]) {
      assert.equal(env[name], Deno.env.get(name), `${name} is passed on when set`);
    }
    assert.equal(env.FOO, "1");
    assert.equal(env.PATH, Deno.env.get("PATH"));
    assert.equal(upstreamEnv({ DENO_DIR: "/mine" }).DENO_DIR, "/mine");
    assert.ok(!("MCP_CODE_MODE_TOKEN" in env), "other host variables stay out");
  } finally {
    if (previous === undefined) Deno.env.delete("DENO_DIR");
    else Deno.env.set("DENO_DIR", previous);
  }
});
