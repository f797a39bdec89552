/**
 * Unit tests of the broker's pure modules: result mapping, nesting depth, the upstream error
 * mapping (by the v2 SDK's SdkError and ProtocolError codes), the protocol-era choice, the
 * bounded repeated warning, allow/deny matching and Python names.
 */
import assert from "node:assert/strict";
import { z } from "zod";
import { MAX_RESULT_DEPTH, nestedDeeperThan } from "../src/broker/json_depth.ts";
import { assignIdentifiers, pythonIdentifier } from "../src/broker/names.ts";
import { mapToolResult } from "../src/broker/result_mapping.ts";
import { RESULT_TOO_LARGE_RPC_CODE } from "../src/broker/stdio_client_transport.ts";
import { invalidArgumentsMessage } from "../src/broker/argument_errors.ts";
import { permissionAdvice } from "../src/broker/permission_advice.ts";
import { StderrTail } from "../src/broker/stderr_tail.ts";
import { allowed } from "../src/broker/tool_filter.ts";
import { classifyCallError } from "../src/broker/upstream_errors.ts";
import { ProtocolError, ProtocolErrorCode, SdkError, SdkErrorCode } from "../src/mcp_client_sdk.ts";
import { endedAtProbe, eraAdvice, versionNegotiation } from "../src/broker/protocol_era.ts";
import { RepeatedWarning } from "../src/broker/repeated_warning.ts";

/** `levels` nested arrays around a number, built without recursion. */
function nested(levels: number): unknown {
  let value: unknown = 0;
  for (let i = 0; i < levels; i++) value = [value];
  return value;
}

const text = (value: string) => ({ type: "text", text: value });

Deno.test("result mapping: structuredContent wins over content", () => {
  const outcome = mapToolResult(
    { content: [text("ignored")], structuredContent: { total: 3 } },
    "s.t",
  );
  assert.deepEqual(outcome, { ok: true, value: { total: 3 } });
});

Deno.test("result mapping: one text item is JSON when it parses, else the string", () => {
  assert.deepEqual(mapToolResult({ content: [text(' {"a": [1, 2]} ')] }, "s.t"), {
    ok: true,
    value: { a: [1, 2] },
  });
  assert.deepEqual(mapToolResult({ content: [text("42")] }, "s.t"), { ok: true, value: 42 });
  assert.deepEqual(mapToolResult({ content: [text("{not json")] }, "s.t"), {
    ok: true,
    value: "{not json",
  });
  assert.deepEqual(mapToolResult({ content: [text("hello")] }, "s.t"), {
    ok: true,
    value: "hello",
  });
});

Deno.test("result mapping: several items become a list; images keep their data", () => {
  const outcome = mapToolResult({
    content: [
      text("caption"),
      { type: "image", mimeType: "image/png", data: "iVBO", annotations: {} },
      { type: "resource", resource: { uri: "file:///a", text: "x" } },
    ],
  }, "s.t");
  assert.deepEqual(outcome, {
    ok: true,
    value: [
      "caption",
      { type: "image", mimeType: "image/png", data: "iVBO" },
      { type: "resource", uri: "file:///a", text: "x" },
    ],
  });
});

Deno.test("result mapping: no content is null (or the legacy toolResult)", () => {
  assert.deepEqual(mapToolResult({ content: [] }, "s.t"), { ok: true, value: null });
  assert.deepEqual(mapToolResult({ toolResult: [1] }, "s.t"), { ok: true, value: [1] });
});

Deno.test("result mapping: isError is TOOL_ERROR with the text items as message", () => {
  assert.deepEqual(
    mapToolResult({ isError: true, content: [text("no such file"), text("(ENOENT)")] }, "s.t"),
    { ok: false, code: "TOOL_ERROR", message: "no such file\n(ENOENT)" },
  );
  assert.deepEqual(mapToolResult({ isError: true, content: [] }, "s.t"), {
    ok: false,
    code: "TOOL_ERROR",
    message: "The tool reported an error without a message.",
  });
});

Deno.test("result mapping: JSON nested past the limit is INVALID_RESULT naming the tool", () => {
  const deep = "[".repeat(200_000) + "]".repeat(200_000);
  const outcome = mapToolResult({ content: [text(deep)] }, "files.read");
  assert.equal(outcome.ok, false);
  assert.equal(!outcome.ok && outcome.code, "INVALID_RESULT");
  assert.match(!outcome.ok ? outcome.message : "", /files\.read is nested more than 256 levels/);
  const structured = mapToolResult(
    { content: [], structuredContent: { v: nested(MAX_RESULT_DEPTH) } }, // 257 with the object
    "s.t",
  );
  assert.equal(structured.ok, false, "the wrapping object is one more level");
  const atLimit = mapToolResult({ content: [], structuredContent: { v: nested(255) } }, "s.t");
  assert.equal(atLimit.ok, true);
});

Deno.test("nesting depth: boundaries, scalars, wide values, 200,000 levels", () => {
  assert.equal(nestedDeeperThan(7, 0), false);
  assert.equal(nestedDeeperThan(null, 0), false);
  assert.equal(nestedDeeperThan([], 0), true);
  assert.equal(nestedDeeperThan(nested(3), 3), false); // [[[0]]] is 3 levels
  assert.equal(nestedDeeperThan(nested(4), 3), true);
  assert.equal(nestedDeeperThan({ a: { b: 1 }, c: [1, 2, [3]] }, 3), false);
  assert.equal(nestedDeeperThan({ a: { b: 1 }, c: [1, 2, [3]] }, 2), true);
  assert.equal(nestedDeeperThan({ a: { b: 1 }, c: [1, 2, [3, {}]] }, 3), true);
  const wide = Array.from({ length: 100_000 }, (_, i) => ({ i }));
  assert.equal(nestedDeeperThan(wide, 2), false);
  assert.equal(nestedDeeperThan(nested(200_000), MAX_RESULT_DEPTH), true);
});

const context = { server: "fs", tool: "read", timeoutMs: 1500, aborted: false };

Deno.test("upstream errors: a closed connection makes the upstream unavailable", () => {
  const failure = classifyCallError(new SdkError(SdkErrorCode.ConnectionClosed, "gone"), context);
  assert.deepEqual(
    { code: failure.code, lost: failure.lost },
    { code: "UPSTREAM_UNAVAILABLE", lost: true },
  );
});

Deno.test("upstream errors: a tool error that mentions 'closed' is only TOOL_ERROR", () => {
  const error = new ProtocolError(
    ProtocolErrorCode.InternalError,
    "the file was closed by another process",
  );
  assert.deepEqual(classifyCallError(error, context), {
    code: "TOOL_ERROR",
    message: "the file was closed by another process",
    lost: false,
  });
  const connection = new ProtocolError(
    ProtocolErrorCode.InvalidParams,
    "Connection closed: bad argument",
  );
  assert.equal(classifyCallError(connection, context).lost, false);
});

Deno.test("upstream errors: a request timeout is TIMEOUT naming the setting", () => {
  const failure = classifyCallError(new SdkError(SdkErrorCode.RequestTimeout, "late"), context);
  assert.equal(failure.code, "TIMEOUT");
  assert.equal(failure.lost, false);
  assert.match(failure.message, /did not answer fs\.read within 1500 ms/);
  assert.match(failure.message, /servers\.fs\.timeout_ms/);
});

Deno.test("upstream errors: a cancelled call is CANCELLED, whatever the error", () => {
  const failure = classifyCallError(new SdkError(SdkErrorCode.ConnectionClosed, "x"), {
    ...context,
    aborted: true,
  });
  assert.deepEqual(failure, { code: "CANCELLED", message: "The call was cancelled.", lost: false });
});

Deno.test("upstream errors: a dropped oversized result is RESULT_TOO_LARGE with the numbers", () => {
  const error = new ProtocolError(RESULT_TOO_LARGE_RPC_CODE, "Result too large", {
    bytes: 12_000_123,
    limit: 5_242_880,
  });
  const failure = classifyCallError(error, context);
  assert.equal(failure.code, "RESULT_TOO_LARGE");
  assert.equal(failure.lost, false);
  assert.equal(
    failure.message,
    "The result of fs.read is 12,000,123 bytes, over the limit of 5,242,880 bytes " +
      "(servers.fs.max_result_bytes); ask for less (a range, a page, a filter) or raise that " +
      "setting.",
  );
  // An upstream that happens to use the same code without our data is just a tool error.
  const foreign = new ProtocolError(RESULT_TOO_LARGE_RPC_CODE, "custom");
  assert.equal(classifyCallError(foreign, context).code, "TOOL_ERROR");
});

Deno.test("upstream errors: a result that breaks the MCP schema is INVALID_RESULT", () => {
  const parsed = z.object({ content: z.array(z.string()) }).safeParse({ content: 3 });
  assert.equal(parsed.success, false);
  const failure = classifyCallError(parsed.error, context);
  assert.equal(failure.code, "INVALID_RESULT");
  assert.match(failure.message, /^The result of fs\.read does not follow the MCP schema \(/);
});

Deno.test("upstream errors: a transport failure (not an SDK error) loses the connection", () => {
  const failure = classifyCallError(new Error("Not connected"), context);
  assert.deepEqual(failure, { code: "UPSTREAM_UNAVAILABLE", message: "Not connected", lost: true });
});

Deno.test("upstream errors: the SDK's INVALID_RESULT is INVALID_RESULT, not a lost connection", () => {
  const error = new SdkError(SdkErrorCode.InvalidResult, "Invalid tools/call result: content");
  const failure = classifyCallError(error, context);
  assert.equal(failure.code, "INVALID_RESULT");
  assert.equal(failure.lost, false);
  assert.match(failure.message, /^The result of fs\.read does not follow the MCP schema \(/);
});

Deno.test("upstream errors: other SDK errors are the call's own, the connection stays", () => {
  for (const code of [SdkErrorCode.CapabilityNotSupported, SdkErrorCode.UnsupportedResultType]) {
    const failure = classifyCallError(new SdkError(code, "closed? no"), context);
    assert.deepEqual({ code: failure.code, lost: failure.lost }, {
      code: "TOOL_ERROR",
      lost: false,
    });
  }
  for (const code of [SdkErrorCode.NotConnected, SdkErrorCode.SendFailed]) {
    assert.equal(classifyCallError(new SdkError(code, "x"), context).lost, true);
  }
});

Deno.test("protocol era: each setting's mode; over stdio the probe is bounded", () => {
  assert.deepEqual(versionNegotiation("legacy", 30_000, true), { mode: "legacy" });
  const auto = (timeoutMs: number, stdio: boolean) => versionNegotiation("auto", timeoutMs, stdio);
  assert.deepEqual(auto(30_000, true), { mode: "auto", probe: { timeoutMs: 10_000 } });
  assert.deepEqual(auto(2_000, true), { mode: "auto", probe: { timeoutMs: 2_000 } });
  assert.deepEqual(auto(30_000, false), { mode: "auto", probe: { timeoutMs: 30_000 } });
  assert.deepEqual(versionNegotiation("2026-07-28", 30_000, true), {
    mode: { pin: "2026-07-28" },
    probe: { timeoutMs: 10_000 },
  });
});

Deno.test("protocol era: only an auto connect whose process ended at the probe is retried", () => {
  const negotiation = new SdkError(SdkErrorCode.EraNegotiationFailed, "closed during probe");
  assert.equal(endedAtProbe("auto", negotiation, true), true);
  assert.equal(endedAtProbe("auto", negotiation, false), false, "the process still runs");
  assert.equal(endedAtProbe("2026-07-28", negotiation, true), false, "a pin never falls back");
  assert.equal(endedAtProbe("legacy", negotiation, true), false);
  const timeout = new SdkError(SdkErrorCode.RequestTimeout, "late");
  assert.equal(endedAtProbe("auto", timeout, true), false);
  assert.equal(endedAtProbe("auto", new Error("spawn x ENOENT"), true), false);
});

Deno.test("protocol era: advice names the setting for a missing pin or a refused 2025 handshake", () => {
  const pin = new SdkError(SdkErrorCode.EraNegotiationFailed, "no pinned version");
  assert.match(eraAdvice("2026-07-28", "m", pin), /servers\.m\.protocol to "auto"/);
  assert.equal(eraAdvice("auto", "m", pin), "");
  const refused = new ProtocolError(ProtocolErrorCode.UnsupportedProtocolVersion, "Unsupported", {
    supported: ["2026-07-28"],
    requested: "2025-11-25",
  });
  assert.match(
    eraAdvice("legacy", "m", refused),
    /it offers 2026-07-28\): set servers\.m\.protocol/,
  );
  assert.equal(eraAdvice("legacy", "m", new ProtocolError(-32603, "x")), "");
});

Deno.test("repeated warning: said once, then counted, one summary line per interval", () => {
  let now = 0;
  const warning = new RepeatedWarning(60_000, () => now);
  assert.deepEqual(warning.note("a"), { kind: "first", line: "a" });
  for (let i = 0; i < 1000; i++) assert.deepEqual(warning.note("b"), { kind: "counted" });
  now = 60_000;
  const summary = warning.note("c");
  assert.equal(summary.kind, "summary");
  assert.equal(summary.kind === "summary" && summary.count, 1001);
  assert.match(summary.kind === "summary" ? summary.line : "", /^1001 more like it .*latest: c$/);
  now = 60_001;
  assert.deepEqual(warning.note("d"), { kind: "counted" });
});

Deno.test("allow/deny: exact names, globs, deny wins, no filter allows all", () => {
  assert.equal(allowed("read_file"), true);
  assert.equal(allowed("read_file", {}), true);
  assert.equal(allowed("write_file", { deny: ["write_*"] }), false);
  assert.equal(allowed("read_file", { deny: ["write_*"] }), true);
  assert.equal(allowed("get-sum", { allow: ["get-sum"] }), true);
  assert.equal(allowed("get-sum2", { allow: ["get-sum"] }), false);
  assert.equal(allowed("edit_file", { allow: ["{read,edit}_file"] }), true);
  assert.equal(allowed("move_file", { allow: ["{read,edit}_file"] }), false);
  assert.equal(allowed("read_file", { allow: ["read_?ile"] }), true);
  assert.equal(allowed("read_file", { allow: ["*"], deny: ["read_file"] }), false);
  assert.equal(allowed("read_file", { allow: [] }), false);
  assert.equal(allowed("a.b/c", { allow: ["*"] }), true, "* spans dots and slashes");
  assert.equal(allowed(".hidden", { allow: ["*"] }), true);
});

Deno.test("names: identifiers are valid Python and stable", () => {
  assert.equal(pythonIdentifier("Ünïcode-näme"), "Unicode_name");
  assert.equal(pythonIdentifier("a__b"), "a_b");
  assert.equal(pythonIdentifier("None"), "None_");
  const names = assignIdentifiers(["x-1", "x_1", "x.1", "x_1_2"]);
  assert.deepEqual(Object.fromEntries(names), {
    "x-1": "x_1_3",
    "x.1": "x_1_4",
    "x_1": "x_1",
    "x_1_2": "x_1_2",
  });
  const again = assignIdentifiers(["x_1_2", "x.1", "x_1", "x-1"]);
  assert.deepEqual(Object.fromEntries(again), Object.fromEntries(names));
});

Deno.test("argument errors: unknown and missing both named, did-you-mean, other findings kept", () => {
  const target = {
    label: "tools.fs.read_text_file",
    expected: "read_text_file(path: str, head: int=None)",
    inputSchema: {
      type: "object",
      properties: { path: { type: "string" }, head: { type: "number" } },
      required: ["path"],
      additionalProperties: false,
    },
  };
  const ajv =
    "data must have required property 'path', data must NOT have additional properties, data/head must be number";
  assert.equal(
    invalidArgumentsMessage(target, { pathh: "x", head: "y" }, ajv),
    'Invalid arguments for tools.fs.read_text_file: unknown argument "pathh" (did you mean ' +
      '"path"?); missing required argument "path"; data/head must be number. Expected ' +
      "read_text_file(path: str, head: int=None); see help(tools.fs.read_text_file).",
  );
  // A name already given is not suggested again; an unlike name gets no suggestion.
  assert.match(
    invalidArgumentsMessage(
      target,
      { path: "x", zzz: 1 },
      "data must NOT have additional properties",
    ),
    /: unknown argument "zzz"\. Expected/,
  );
  assert.match(
    invalidArgumentsMessage(target, { path: 3 }, "data/path must be string"),
    /: data\/path must be string\. Expected/,
  );
  assert.match(
    invalidArgumentsMessage({ ...target, inputSchema: {} }, { a: 1 }, undefined),
    /: they do not match the schema\./,
  );
});

Deno.test("permission advice: Deno's flag advice is sent to servers.<name>.args", () => {
  const deno =
    'error: Uncaught (in promise) NotCapable: Requires write access to "/data/out.txt", run again with the --allow-write flag';
  assert.equal(
    permissionAdvice(deno, "fs"),
    'error: Uncaught (in promise) NotCapable: Requires write access to "/data/out.txt"; the ' +
      'upstream "fs" was started without that permission: add --allow-write=/data/out.txt (or ' +
      "a folder above it) to servers.fs.args in the configuration (the upstream's own flags, " +
      "before its script), then restart this server",
  );
  assert.match(
    permissionAdvice(
      'Requires net access to "api.test:443", run again with the --allow-net flag',
      "w",
    ),
    /add --allow-net=api\.test:443 to servers\.w\.args/,
  );
  assert.match(
    permissionAdvice("it failed, run again with the --allow-sys flag", "w"),
    /^it failed; the upstream "w" lacks that permission: add --allow-sys to servers\.w\.args/,
  );
  const once = permissionAdvice(deno, "fs");
  assert.equal(permissionAdvice(once, "fs"), once, "advice is not given twice");
  assert.equal(permissionAdvice("ENOENT: no such file", "fs"), "ENOENT: no such file");
});

Deno.test("stderr tail: a permission error pushed out by its stack trace is kept", () => {
  const tail = new StderrTail(3);
  tail.push(
    'error: Uncaught NotCapable: Requires read access to "/x", run again with the --allow-read flag\n',
  );
  for (let i = 0; i < 6; i++) tail.push(`    at frame ${i}\n`);
  assert.equal(
    tail.text(),
    'error: Uncaught NotCapable: Requires read access to "/x", run again with the --allow-read ' +
      "flag | … | at frame 3 | at frame 4 | at frame 5",
  );
  const plain = new StderrTail(2);
  plain.push("one\ntwo\nthree\n");
  assert.equal(plain.text(), "two | three");
});
