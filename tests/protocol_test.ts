/**
 * The relay protocol's framing and validation (src/relay/protocol.ts), and the host killing a
 * child that writes an oversized line.
 */
import assert from "node:assert/strict";
import { SandboxConfigSchema } from "../src/config.ts";
import { PolicyConfigSchema } from "../src/policy/policy_config.ts";
import { encodeFrame, parseFrame } from "../src/relay/protocol.ts";
import { Executor } from "../src/sandbox_host/executor.ts";

const nonce = "abc123";

Deno.test("a framed valid message parses", () => {
  const line = encodeFrame(nonce, {
    type: "tool_call",
    call_id: 3,
    server: "s",
    tool: "t",
    args: { a: 1 },
  });
  const parsed = parseFrame(nonce, line.trimEnd());
  assert.deepEqual(parsed, {
    ok: true,
    message: { type: "tool_call", call_id: 3, server: "s", tool: "t", args: { a: 1 } },
  });
});

Deno.test("a line without the nonce is refused", () => {
  const parsed = parseFrame(nonce, '{"type":"ready"}');
  assert.equal(parsed.ok, false);
  assert.match(!parsed.ok ? parsed.reason : "", /unframed line/);
});

Deno.test("a line with a wrong nonce is refused", () => {
  assert.equal(parseFrame(nonce, 'abc124 {"type":"ready"}').ok, false);
});

Deno.test("framed non-JSON is refused", () => {
  const parsed = parseFrame(nonce, `${nonce} {not json`);
  assert.match(!parsed.ok ? parsed.reason : "", /not valid JSON/);
});

Deno.test("an unknown message type or a bad field is refused, naming the path", () => {
  const unknown = parseFrame(nonce, `${nonce} {"type":"exec","code":"x"}`);
  assert.equal(unknown.ok, false);
  const badId = parseFrame(
    nonce,
    `${nonce} {"type":"tool_call","call_id":-1,"server":"s","tool":"t","args":{}}`,
  );
  assert.match(!badId.ok ? badId.reason : "", /call_id/);
  const extra = parseFrame(nonce, `${nonce} {"type":"ready","sneaky":true}`);
  assert.equal(extra.ok, false);
});

Deno.test("a start phase is one of the known names, with nothing else", () => {
  assert.deepEqual(parseFrame(nonce, `${nonce} {"type":"phase","name":"snapshot"}`), {
    ok: true,
    message: { type: "phase", name: "snapshot" },
  });
  const unknown = parseFrame(nonce, `${nonce} {"type":"phase","name":"` + "x".repeat(5000) + '"}');
  assert.match(!unknown.ok ? unknown.reason : "", /name/);
  const extra = parseFrame(nonce, `${nonce} {"type":"phase","name":"boot","cpu_ms":1}`);
  assert.equal(extra.ok, false);
});

Deno.test("recycle carries nothing, and fence is a start phase", () => {
  assert.deepEqual(parseFrame(nonce, `${nonce} {"type":"recycle"}`), {
    ok: true,
    message: { type: "recycle" },
  });
  assert.equal(parseFrame(nonce, `${nonce} {"type":"recycle","nonce":"mine"}`).ok, false);
  assert.equal(parseFrame(nonce, `${nonce} {"type":"phase","name":"fence"}`).ok, true);
});

Deno.test({
  name: "an oversized line from the child is PROTOCOL_VIOLATION and the next run works",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    // The policy would refuse `import js`: off, to test the host's own defence.
    const created = await Executor.create(SandboxConfigSchema.parse({ pool_size: 1 }), {
      policy: PolicyConfigSchema.parse({ enabled: false }),
    });
    assert.ok(created.ok);
    try {
      const r = await created.executor.execute(
        "import js\nchunk = js.TextEncoder.new().encode('x' * (1024 * 1024))\nfor _ in range(6):\n    js.Deno.stdout.writeSync(chunk)\n'written'",
      );
      assert.equal(r.error?.code, "PROTOCOL_VIOLATION", JSON.stringify(r));
      const next = await created.executor.execute("'fine'");
      assert.equal(next.result, "fine");
    } finally {
      await created.executor.close();
    }
  },
});
