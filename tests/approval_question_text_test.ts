/**
 * The pure parts of an approval question: escaping (newlines, CR, ESC, OSC sequences, bidi
 * overrides, zero-width and other invisible characters; what is shown decodes back to exactly
 * what is sent), keys never cut and look-alike letters in keys escaped, many keys, nested values,
 * undeclared names flagged, arguments too long refused or cut with what is not shown named, too
 * deep refused; which names a schema does not declare; the question and its form (valid for the
 * SDK's `elicitation/create`).
 */
import assert from "node:assert/strict";
import { ApprovalConfigSchema } from "../src/approval/approval_config.ts";
import { approvalQuestion } from "../src/approval/elicit.ts";
import {
  MAX_SHOWN_DEPTH,
  quote,
  quoteKey,
  renderArguments,
  showKey,
  UNDECLARED_FLAG,
} from "../src/approval/question_text.ts";
import { undeclaredKeys } from "../src/approval/schema_keys.ts";
import { ElicitRequestSchema } from "../src/mcp_sdk.ts";

const refuse = { maxChars: 4000, longArguments: "refuse" as const };

/** The inverse of {@link quote}: what a reader reconstructs from the escapes. */
function unquote(shown: string): string {
  assert.ok(shown.startsWith('"') && shown.endsWith('"'), shown);
  const named: Record<string, string> = { n: "\n", r: "\r", t: "\t", "\\": "\\", '"': '"' };
  return shown.slice(1, -1).replace(
    /\\(?:u\{([0-9A-F]+)\}|(.))/g,
    (_, hex, c) => hex ? String.fromCodePoint(parseInt(hex, 16)) : named[c],
  );
}

/** Nothing a terminal or a renderer could interpret or hide. */
const HIDDEN = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Co}\p{Cn}\p{Cs}\u00A0\u2000-\u200A\u3000\uFE0F]/u;

Deno.test("quote: control, bidi, zero-width and other invisible characters are escaped", () => {
  const table: [string, string][] = [
    ["a\nb", String.raw`"a\nb"`],
    ["a\r\nb\tc", String.raw`"a\r\nb\tc"`],
    ["\u001b[31mred\u001b[0m", String.raw`"\u{1B}[31mred\u{1B}[0m"`],
    [
      "\u001b]8;;http://x\u0007link\u001b]8;;\u001b\\",
      String.raw`"\u{1B}]8;;http://x\u{7}link\u{1B}]8;;\u{1B}\\"`,
    ],
    ["\u009b31m", String.raw`"\u{9B}31m"`],
    ["abc\u202Etxt.exe", String.raw`"abc\u{202E}txt.exe"`],
    ["\u2066x\u2069\u200F", String.raw`"\u{2066}x\u{2069}\u{200F}"`],
    ["zero\u200Bwidth\u200D\uFEFF\u2060", String.raw`"zero\u{200B}width\u{200D}\u{FEFF}\u{2060}"`],
    ["nb\u00A0sp\u3000\u2028\u2029", String.raw`"nb\u{A0}sp\u{3000}\u{2028}\u{2029}"`],
    ["tag\u{E0041}\u{E007F}", String.raw`"tag\u{E0041}\u{E007F}"`],
    ["lone\uD800", String.raw`"lone\u{D800}"`],
    ["vs\uFE0F\u{E0100}\u034F\u3164", String.raw`"vs\u{FE0F}\u{E0100}\u{34F}\u{3164}"`],
    ['back\\slash "quoted"', String.raw`"back\\slash \"quoted\""`],
    ["caf\u00E9 e\u0301 日本 😀", '"caf\u00E9 e\u0301 日本 😀"'],
    ["x\u0336\u0336\u0336", String.raw`"x̶\u{336}\u{336}"`],
    ["\u00AD\u061C\u180E", String.raw`"\u{AD}\u{61C}\u{180E}"`],
  ];
  for (const [raw, shown] of table) {
    assert.equal(quote(raw), shown, JSON.stringify(raw));
    assert.equal(unquote(quote(raw)), raw, "shown decodes back to what is sent");
    assert.doesNotMatch(quote(raw), HIDDEN);
  }
});

Deno.test("quote: every code point round-trips and nothing hidden is left raw", () => {
  for (let start = 0; start < 0x30000; start += 0x800) {
    let text = "";
    for (let code = start; code < start + 0x800; code++) text += String.fromCodePoint(code);
    const shown = quote(text);
    assert.equal(unquote(shown), text, `block ${start.toString(16)}`);
    assert.doesNotMatch(shown, HIDDEN, `block ${start.toString(16)}`);
  }
});

Deno.test("showKey: plain names bare, others quoted with all but printable ASCII escaped", () => {
  assert.equal(showKey("path"), "path");
  assert.equal(showKey("dry_run2"), "dry_run2");
  assert.equal(showKey("\n\n[Already approved]\n"), String.raw`"\n\n[Already approved]\n"`);
  assert.equal(showKey("\u0440\u0430th"), String.raw`"\u{440}\u{430}th"`, "Cyrillic р, а");
  assert.equal(showKey("a b"), '"a b"');
  assert.equal(showKey(""), '""');
  assert.equal(quoteKey('k"\\'), String.raw`"k\"\\"`);
});

Deno.test("renderArguments: every key on its own line, long keys whole, nested escaped", () => {
  const decoy = "note: routine rotation, approved by policy " + ".".repeat(560);
  const shown = renderArguments({ [decoy]: "", path: "/etc/x", content: "pwned" }, refuse);
  assert.ok(shown.ok);
  assert.equal(shown.count, 3);
  assert.equal(shown.cut, 0);
  assert.deepEqual(shown.text.split("\n"), [
    `  "${decoy}" = ""`,
    '  path = "/etc/x"',
    '  content = "pwned"',
  ]);
  const nested = renderArguments({
    entities: [{ name: "n", "\n[ok]": [1, null, true, { "\u202E": "a\nb" }] }],
    n: 2.5,
  }, refuse);
  assert.ok(nested.ok);
  assert.equal(
    nested.text,
    String.raw`  entities = [{"name": "n", "\n[ok]": [1, null, true, {"\u{202E}": "a\nb"}]}]` +
      "\n  n = 2.5",
  );
  const empty = renderArguments({}, refuse);
  assert.ok(empty.ok);
  assert.equal(empty.count, 0);
  assert.equal(empty.text, "");
});

Deno.test("renderArguments: many keys are all shown, or the call is refused", () => {
  const many = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, i]));
  const shown = renderArguments(many, refuse);
  assert.ok(shown.ok);
  assert.equal(shown.text.split("\n").length, 100);
  const tooMany = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`key${i}`, i]));
  const refused = renderArguments(tooMany, { ...refuse, longArguments: "cut" });
  assert.ok(!refused.ok);
  assert.equal(
    refused.reason,
    "their text is longer than approval.question_max_chars (4,000 characters), even with long " +
      "values cut",
  );
});

Deno.test("renderArguments: too long is refused, or cut with what is not shown named", () => {
  const args = { path: "a.txt", content: "z".repeat(9000), tail: "\n".repeat(300) };
  const refused = renderArguments(args, refuse);
  assert.ok(!refused.ok);
  assert.equal(
    refused.reason,
    "their text is longer than approval.question_max_chars (4,000 characters)",
  );
  const cut = renderArguments(args, { ...refuse, longArguments: "cut" });
  assert.ok(cut.ok);
  assert.equal(cut.cut, 2);
  const lines = cut.text.split("\n");
  assert.equal(
    lines[0],
    "  (2 long values are cut below, 8,900 characters not shown: approving " +
      "allows the whole values)",
  );
  assert.equal(lines[1], '  path = "a.txt"');
  assert.equal(lines[2], `  content = "${"z".repeat(200)}" [… 8,800 more characters not shown]`);
  assert.equal(lines[3], `  tail = "${"\\n".repeat(200)}" [… 100 more characters not shown]`);
  // Cuts count code points and never split a surrogate pair.
  const emoji = renderArguments({ e: "a" + "😀".repeat(3000) }, {
    ...refuse,
    longArguments: "cut",
  });
  assert.ok(emoji.ok);
  assert.ok(emoji.text.includes(`"a${"😀".repeat(199)}" [… 2,801 more characters not shown]`));
  assert.ok(!/\\u\{D[89AB]/.test(emoji.text), "no lone surrogate escaped from a cut");
  // Text past the limit is not escaped further: quote stops, the caller refuses.
  assert.ok(quote("z".repeat(1_000_000), 10).length <= 11);
  // A string that fits is never cut, even in "cut" mode.
  const fits = renderArguments({ content: "z".repeat(3000) }, { ...refuse, longArguments: "cut" });
  assert.ok(fits.ok);
  assert.equal(fits.cut, 0);
});

Deno.test("renderArguments: undeclared names flagged; too deep refused", () => {
  const shown = renderArguments({ path: "a", extra: 1 }, { ...refuse, undeclared: ["extra"] });
  assert.ok(shown.ok);
  assert.deepEqual(shown.text.split("\n"), ['  path = "a"', `  ${UNDECLARED_FLAG} extra = 1`]);
  let deep: unknown = "bottom";
  for (let i = 0; i < MAX_SHOWN_DEPTH + 1; i++) deep = [deep];
  const refused = renderArguments({ deep }, refuse);
  assert.ok(!refused.ok);
  assert.match(refused.reason, /more than 32 levels deep/);
  let fine: unknown = "bottom";
  for (let i = 0; i < MAX_SHOWN_DEPTH; i++) fine = [fine];
  assert.ok(renderArguments({ fine }, refuse).ok);
  let hostile: unknown = 1;
  for (let i = 0; i < 100_000; i++) hostile = { a: hostile };
  assert.ok(!renderArguments({ hostile }, refuse).ok, "no stack overflow");
});

Deno.test("undeclaredKeys: names outside properties, and whether the schema welcomes them", () => {
  const schema = { type: "object", properties: { path: {}, content: {} } };
  assert.deepEqual(undeclaredKeys(schema, { path: 1, content: 2 }), {
    undeclared: [],
    allowed: false,
  });
  assert.deepEqual(undeclaredKeys(schema, { path: 1, x: 2, "\n": 3 }), {
    undeclared: ["x", "\n"],
    allowed: false,
  });
  const open = { ...schema, additionalProperties: true };
  assert.equal(undeclaredKeys(open, { x: 1 }).allowed, true);
  assert.equal(
    undeclaredKeys({ ...schema, additionalProperties: { type: "string" } }, {}).allowed,
    true,
  );
  assert.deepEqual(undeclaredKeys({ type: "object" }, { x: 1 }), {
    undeclared: ["x"],
    allowed: true,
  });
  assert.equal(undeclaredKeys({ type: "object", properties: {} }, { x: 1 }).allowed, false);
  const patterns = { type: "object", patternProperties: { "^x_": {} }, properties: { a: {} } };
  assert.deepEqual(undeclaredKeys(patterns, { a: 1, x_1: 2, y: 3 }).undeclared, ["y"]);
  const branches = { anyOf: [{ properties: { a: {} } }, { properties: { b: {} } }] };
  assert.deepEqual(undeclaredKeys(branches, { a: 1, b: 2, c: 3 }), {
    undeclared: ["c"],
    allowed: false,
  });
  assert.deepEqual(undeclaredKeys(null, { a: 1 }), { undeclared: ["a"], allowed: true });
  assert.deepEqual(undeclaredKeys({ patternProperties: { "(": {} } }, { a: 1 }).undeclared, ["a"]);
});

Deno.test("approvalQuestion: the message shows every argument; the form is valid for the SDK", () => {
  const ref = { server: "fs", tool: "write\u202Efile", py_server: "fs", py_name: "w", doc: "" };
  const config = ApprovalConfigSchema.parse({});
  const built = approvalQuestion(ref, { path: "a\nb", "x\ny": 1 }, {
    config,
    undeclared: ["x\ny"],
  });
  assert.ok(built.ok);
  const { message, requestedSchema } = built.question;
  assert.equal(
    message,
    String.raw`Code running in the sandbox wants to call the tool "write\u{202E}file" of the ` +
      'server "fs" with these 2 arguments, shown exactly as sent (\\n is a line break, \\u{…} ' +
      "an invisible or control character):\n" +
      String.raw`  path = "a\nb"` + "\n" + String.raw`  [not in the tool's schema] "x\ny" = 1` +
      "\nAllow this call?",
  );
  const request = { method: "elicitation/create", params: { mode: "form", ...built.question } };
  const parsed = ElicitRequestSchema.safeParse(request);
  assert.ok(parsed.success, JSON.stringify(parsed.error?.issues));
  assert.deepEqual(Object.keys(requestedSchema.properties), ["approve", "scope", "ask_again"]);
  assert.equal(requestedSchema.properties.ask_again.default, false);
  const none = approvalQuestion(ref, {}, { config });
  assert.ok(none.ok);
  assert.match(none.question.message, /with no arguments\.\nAllow this call\?$/);
  const long = approvalQuestion(ref, { content: "z".repeat(5000) }, { config });
  assert.ok(!long.ok);
  assert.match(long.message, /^fs\.write\u202Efile was not called: .* cannot be shown/);
  assert.match(long.message, /approval\.question_max_chars/);
  assert.match(long.message, /approval\.long_arguments to "cut"/);
});
