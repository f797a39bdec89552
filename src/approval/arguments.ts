/**
 * Tool-call arguments made fit to keep: {@link cutArguments} bounds every value for the audit log
 * (long strings and keys, big objects and lists cut with a note, the whole held to a byte bound,
 * named keys redacted at any depth). What a person reads in an approval question is written by
 * `question_text.ts`.
 */

/** What replaces the value of a redacted key. */
export const REDACTED = "[redacted]";

/** The key of the note an object gets when some of its keys were left out. */
export const MORE_KEYS = "…";

const MAX_ITEMS = 50;
const MAX_KEYS = 50;
const MAX_KEY_CHARS = 100;
const MAX_DEPTH = 8;
const encoder = new TextEncoder();

/** Options for {@link cutArguments}. */
export interface CutOptions {
  /** Longest string kept whole (default 200 characters). */
  maxChars?: number;
  /** Longest key kept whole (default 100 characters). */
  maxKeyChars?: number;
  /** Keys kept per object (default 50); the others are counted in a `"…"` note. */
  maxKeys?: number;
  /** Items kept per list (default 50); the others are counted in a last item. */
  maxItems?: number;
  /** Bound of the result's JSON text in UTF-8 bytes, notes included (default: none). */
  maxBytes?: number;
  /** Keys whose values become `"[redacted]"`, wherever they appear. */
  redact?: readonly string[];
}

/** What a cut left out; zero counts are absent. */
export interface CutCounts {
  /** Characters left out of long strings and keys. */
  characters?: number;
  /** Object keys left out (past `maxKeys` or the byte bound). */
  keys?: number;
  /** List items left out (past `maxItems` or the byte bound). */
  items?: number;
  /** Values left out for being nested too deep (each replaced by `"[…]"`). */
  nested?: number;
}

/** A cut value and what was left out (`cut` absent when nothing was). */
export interface Cut {
  value: unknown;
  cut?: CutCounts;
}

/** A copy of `value` with long strings, keys, objects and lists cut and the `redact` keys hidden. */
export function cutArguments(value: unknown, options: CutOptions = {}): unknown {
  return cutArgumentsCounted(value, options).value;
}

/** {@link cutArguments} and the counts of what it left out. */
export function cutArgumentsCounted(value: unknown, options: CutOptions = {}): Cut {
  const cutter = new Cutter(options);
  const out = cutter.visit(value, 0);
  const counts = Object.fromEntries(Object.entries(cutter.counts).filter(([, n]) => n > 0));
  return Object.keys(counts).length ? { value: out, cut: counts } : { value: out };
}

/** One walk over a value: the limits, what is left of the byte budget, the counts. */
class Cutter {
  counts = { characters: 0, keys: 0, items: 0, nested: 0 };
  #maxChars: number;
  #maxKeyChars: number;
  #maxKeys: number;
  #maxItems: number;
  #redact: Set<string>;
  /** Bytes of JSON text still allowed; each open container holds back room for its note. */
  #budget: number;

  constructor(options: CutOptions) {
    this.#maxChars = options.maxChars ?? 200;
    this.#maxKeyChars = options.maxKeyChars ?? MAX_KEY_CHARS;
    this.#maxKeys = options.maxKeys ?? MAX_KEYS;
    this.#maxItems = options.maxItems ?? MAX_ITEMS;
    this.#redact = new Set(options.redact ?? []);
    this.#budget = options.maxBytes ?? Infinity;
  }

  /** The cut copy of `item` found `depth` levels down. */
  visit(item: unknown, depth: number): unknown {
    if (!isContainer(item) || depth >= MAX_DEPTH) {
      const value = this.#leaf(item, depth, 0);
      return value === NO_ROOM ? "[…]" : value;
    }
    this.#budget -= NOTE_BYTES + 2; // the brackets, and room for a note
    const { value, noteBytes } = Array.isArray(item)
      ? this.#list(item, depth)
      : this.#object(item, depth);
    this.#budget += NOTE_BYTES - noteBytes;
    return value;
  }

  #list(list: unknown[], depth: number): { value: unknown[]; noteBytes: number } {
    const out: unknown[] = [];
    for (const inner of list) {
      if (out.length >= this.#maxItems) break;
      const value = this.#fit(inner, depth, 1);
      if (value === NO_ROOM) break;
      out.push(value);
    }
    const left = list.length - out.length;
    if (!left) return { value: out, noteBytes: 0 };
    this.counts.items += left;
    const note = `[… ${left} more]`;
    out.push(note);
    return { value: out, noteBytes: jsonBytes(note) + 1 };
  }

  #object(object: object, depth: number): { value: Record<string, unknown>; noteBytes: number } {
    const out: Record<string, unknown> = {};
    const keys = Object.keys(object);
    let kept = 0;
    for (const key of keys) {
      if (kept >= this.#maxKeys) break;
      const name = this.#key(key, out);
      const extra = jsonBytes(name) + 2; // the key, a colon and a comma
      const value = this.#redact.has(key)
        ? this.#leaf(REDACTED, depth + 1, extra)
        : this.#fit((object as Record<string, unknown>)[key], depth, extra);
      if (value === NO_ROOM) break;
      if (key.length > this.#maxKeyChars) this.counts.characters += key.length - this.#maxKeyChars;
      put(out, name, value);
      kept++;
    }
    const left = keys.length - kept;
    if (!left) return { value: out, noteBytes: 0 };
    this.counts.keys += left;
    let noteKey = MORE_KEYS;
    for (let n = 2; Object.hasOwn(out, noteKey); n++) noteKey = `${MORE_KEYS} ${n}`;
    const note = `[… ${left} more keys]`;
    put(out, noteKey, note);
    return { value: out, noteBytes: jsonBytes(noteKey) + jsonBytes(note) + 2 };
  }

  /** A key cut to its bound, made unique among those kept (two long keys may start alike). */
  #key(key: string, out: Record<string, unknown>): string {
    if (key.length <= this.#maxKeyChars) return key;
    const cut = cutString(key, this.#maxKeyChars);
    let name = cut;
    for (let n = 2; Object.hasOwn(out, name); n++) name = `${cut} #${n}`;
    return name;
  }

  /** `inner` (one level below `depth`) cut, or {@link NO_ROOM} when it does not fit at all. */
  #fit(inner: unknown, depth: number, extra: number): unknown {
    if (!isContainer(inner) || depth + 1 >= MAX_DEPTH) return this.#leaf(inner, depth + 1, extra);
    if (this.#budget < extra + NOTE_BYTES + 2) return NO_ROOM;
    this.#budget -= extra;
    return this.visit(inner, depth + 1);
  }

  /** A value written whole (a string cut, a too-deep container `"[…]"`) if it fits with `extra`. */
  #leaf(item: unknown, depth: number, extra: number): unknown {
    const deep = isContainer(item);
    const value = deep ? "[…]" : typeof item === "string" ? cutString(item, this.#maxChars) : item;
    const cost = jsonBytes(value) + extra;
    if (cost > this.#budget && depth > 0) return NO_ROOM;
    this.#budget -= cost;
    if (deep) this.counts.nested++;
    if (typeof item === "string" && item.length > this.#maxChars) {
      this.counts.characters += item.length - this.#maxChars;
    }
    return value;
  }
}

function isContainer(item: unknown): item is object {
  return item !== null && typeof item === "object";
}

/** What a left-out note costs at most (`"…":"[… 123456789 more keys]",`). */
const NOTE_BYTES = 40;

/** Marks a value that did not fit the byte budget. */
const NO_ROOM = Symbol("no room");

/** Sets `out[key]` as an own property, `__proto__` included. */
function put(out: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
}

function jsonBytes(value: unknown): number {
  const text = JSON.stringify(value) ?? "null";
  // JSON text escapes control characters: printable ASCII (the usual case) is a byte each.
  return /^[ -~]*$/.test(text) ? text.length : encoder.encode(text).length;
}

/** `text` cut to `max` characters with a note of how many were left out. */
export function cutString(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}… [${text.length - max} more characters]` : text;
}
