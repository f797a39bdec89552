/**
 * The host-side size guardrail: characters are code points, lines are what Python counts, each
 * violation names where the limit is passed, and the error lists them all (capped).
 */
import assert from "node:assert/strict";
import { MAX_LISTED_VIOLATIONS, type PolicyViolation } from "../../src/contracts.ts";
import { checkSize, policyError } from "../../src/policy/size_check.ts";

const limits = { max_chars: 10, max_lines: 3 };

Deno.test("size: code within both limits passes, the empty program too", () => {
  assert.deepEqual(checkSize("a=1\nb=2\nc", limits), []);
  assert.deepEqual(checkSize("", limits), []);
  assert.deepEqual(checkSize("x".repeat(10), limits), []);
});

Deno.test("size: one character over max_chars names where the limit is passed", () => {
  const [v, ...rest] = checkSize("abc\n" + "x".repeat(7), limits);
  assert.deepEqual(rest, []);
  assert.equal(v.rule, "max_chars");
  assert.deepEqual([v.line, v.col], [2, 6]);
  assert.match(v.message, /^the code has 11 characters, more than the 10 allowed/);
  assert.match(v.message, /line 2, col 6/);
  assert.match(v.message, /; shorten it/);
});

Deno.test("size: characters are code points, not UTF-16 units", () => {
  assert.deepEqual(checkSize("😀".repeat(10), limits), []);
  assert.equal(checkSize("😀".repeat(11), limits)[0]?.rule, "max_chars");
});

Deno.test("size: a final line break does not start a new line", () => {
  assert.deepEqual(checkSize("a\nb\nc\n", { max_chars: 100, max_lines: 3 }), []);
  const [v] = checkSize("a\nb\nc\nd", { max_chars: 100, max_lines: 3 });
  assert.equal(v.rule, "max_lines");
  assert.deepEqual([v.line, v.col], [4, 0]);
  assert.match(v.message, /^the code has 4 lines, more than the 3 allowed/);
});

Deno.test("size: \\r\\n is one line break, a lone \\r one as well (as Python counts)", () => {
  assert.deepEqual(checkSize("a\r\nb\r\nc\r\n", { max_chars: 100, max_lines: 3 }), []);
  assert.equal(checkSize("a\rb\rc\rd", { max_chars: 100, max_lines: 3 })[0]?.rule, "max_lines");
});

Deno.test("size: both rules broken, both listed", () => {
  const violations = checkSize("1\n2\n3\n4\n5\n6", limits);
  assert.deepEqual(violations.map((v) => v.rule), ["max_chars", "max_lines"]);
  const error = policyError(violations);
  assert.equal(error.code, "POLICY_VIOLATION");
  assert.match(error.message, /^The code was not run: it breaks the sandbox policy in 2 places/);
  for (const v of violations) assert.ok(error.message.includes(`- ${v.message}`));
  assert.deepEqual(error.violations, violations);
});

Deno.test("size: the error lists at most MAX_LISTED_VIOLATIONS and counts the rest", () => {
  const many: PolicyViolation[] = Array.from({ length: 60 }, (_, i) => ({
    rule: "name",
    line: i + 1,
    col: 0,
    message: `name "eval" is not allowed (line ${i + 1}, col 0); do without`,
  }));
  const error = policyError(many);
  assert.equal(error.violations?.length, MAX_LISTED_VIOLATIONS);
  assert.match(error.message, /in 60 places/);
  assert.match(error.message, /- … and 10 more$/);
});
