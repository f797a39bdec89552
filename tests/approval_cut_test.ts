/**
 * cutArguments' bounds for the audit log, the attacks first: an object of 15,000 keys of 157
 * characters, long keys (and long keys that start alike), nesting, and a byte bound on the whole
 * (multi-byte text included) — each cut says what it left out, in the value and in the counts.
 */
import assert from "node:assert/strict";
import { cutArguments, cutArgumentsCounted, MORE_KEYS } from "../src/approval/arguments.ts";

const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value)).length;

/** `n` keys of `length` characters, each with a small value. */
function manyKeys(n: number, length: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (let i = 0; i < n; i++) out[`k${i}`.padEnd(length, "x")] = i;
  return out;
}

Deno.test("cutArguments: 15,000 keys of 157 characters become 50 cut keys and a count", () => {
  const args = manyKeys(15_000, 157);
  const cut = cutArguments(args) as Record<string, unknown>;
  const keys = Object.keys(cut);
  assert.equal(keys.length, 51, "50 keys kept and the note");
  assert.equal(cut[MORE_KEYS], "[… 14950 more keys]");
  for (const key of keys.slice(0, 50)) {
    assert.ok(key.length < 130, key);
    assert.match(key, /… \[57 more characters\]$/);
  }
  assert.ok(bytes(cut) < 8_000, `${bytes(cut)} bytes`);
  const counted = cutArgumentsCounted(args);
  assert.deepEqual(counted.cut, { keys: 14_950, characters: 50 * 57 });
});

Deno.test("cutArguments: a long key is cut with a note; keys that start alike stay apart", () => {
  const a = "a".repeat(1000);
  const b = "a".repeat(999) + "b";
  const cut = cutArguments({ [a]: 1, [b]: 2, short: 3 }) as Record<string, unknown>;
  const head = "a".repeat(100) + "… [900 more characters]";
  assert.deepEqual(cut, { [head]: 1, [`${head} #2`]: 2, short: 3 });
  assert.deepEqual(cutArgumentsCounted({ [a]: 1 }).cut, { characters: 900 });
});

Deno.test("cutArguments: nested objects and lists are cut at every level, notes counted", () => {
  const args = {
    outer: { inner: manyKeys(1000, 10), list: Array.from({ length: 500 }, () => manyKeys(60, 5)) },
  };
  const counted = cutArgumentsCounted(args);
  const value = counted.value as { outer: { inner: Record<string, unknown>; list: unknown[] } };
  assert.equal(value.outer.inner[MORE_KEYS], "[… 950 more keys]");
  assert.equal(value.outer.list.at(-1), "[… 450 more]");
  assert.equal(Object.keys(value.outer.list[0] as object).length, 51);
  assert.deepEqual(counted.cut, { keys: 950 + 50 * 10, items: 450 });
  const deep = cutArgumentsCounted({
    a: { b: { c: { d: { e: { f: { g: { h: { i: 1 } } } } } } } },
  });
  assert.deepEqual(deep.cut, { nested: 1 });
  assert.match(JSON.stringify(deep.value), /"h":"\[…\]"/);
});

Deno.test("cutArguments: the whole is held to maxBytes, and what is left out is counted", () => {
  const args = {
    list: Array.from({ length: 50 }, (_, i) => ({ [`key${i}`]: "é".repeat(200), n: i })),
    after: manyKeys(50, 40),
  };
  const counted = cutArgumentsCounted(args, { maxBytes: 12_000 });
  assert.ok(bytes(counted.value) <= 12_000, `${bytes(counted.value)} bytes`);
  assert.ok(bytes(counted.value) > 10_000, "the room is used");
  const value = counted.value as { list: unknown[]; after?: Record<string, unknown> };
  assert.match(String(value.list.at(-1)), /^\[… \d+ more\]$/);
  const left = Number(/\d+/.exec(String(value.list.at(-1)))![0]);
  assert.equal(counted.cut?.items, left);
  assert.ok((counted.cut?.keys ?? 0) >= 1, JSON.stringify(counted.cut));
  // However it is made, a value never goes past the bound.
  for (const maxBytes of [200, 1000, 5000]) {
    for (const shape of [manyKeys(15_000, 157), [manyKeys(100, 300), "x".repeat(10_000)]]) {
      const cut = cutArguments({ shape, more: shape }, { maxBytes });
      assert.ok(bytes(cut) <= maxBytes, `${bytes(cut)} > ${maxBytes}`);
    }
  }
});

Deno.test("cutArguments: __proto__ and a key named like the note are kept as keys", () => {
  const args = JSON.parse('{"__proto__": {"x": 1}, "…": "mine"}');
  const cut = cutArguments(args) as Record<string, unknown>;
  assert.equal(JSON.stringify(cut), '{"__proto__":{"x":1},"…":"mine"}');
  const many = cutArguments({ "…": "mine", ...manyKeys(60, 3) }, { maxKeys: 60 }) as Record<
    string,
    unknown
  >;
  assert.equal(many["…"], "mine");
  assert.equal(many["… 2"], "[… 1 more keys]");
});
