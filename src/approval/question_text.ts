/**
 * The arguments as a person reads them in an approval question: every key on a line of its own,
 * every key and value escaped so that what is shown is exactly what is sent — control characters,
 * newlines, bidi overrides, zero-width and other invisible or format characters appear as
 * `\n`, `\u{202E}` …, never interpreted — keys never cut, keys the tool's schema does not declare
 * flagged. Arguments whose text would exceed the limit are refused (`long_arguments: "refuse"`) or
 * shown with long strings cut, each cut named with the number of characters not shown (`"cut"`).
 */

/** Options for {@link renderArguments}. */
export interface RenderOptions {
  /** Longest arguments text allowed (`approval.question_max_chars`). */
  maxChars: number;
  /** What to do when the whole text is longer (`approval.long_arguments`). */
  longArguments: "refuse" | "cut";
  /** Top-level keys the tool's schema does not declare (shown flagged). */
  undeclared?: readonly string[];
}

/** The arguments text, or why the arguments cannot be shown. */
export type Rendered =
  | { ok: true; text: string; count: number; cut: number }
  | { ok: false; reason: string };

/** Flag in front of a key the tool's schema does not declare. */
export const UNDECLARED_FLAG = "[not in the tool's schema]";

/** Deepest nesting shown; deeper arguments are refused. */
export const MAX_SHOWN_DEPTH = 32;

/** In `"cut"` mode, how much of a long string is shown. */
export const CUT_TO = 200;

/** Strings longer than this are cut in `"cut"` mode. */
const CUT_ABOVE = 240;

/**
 * Characters never shown as themselves: controls, format characters (bidi, zero-width, tags),
 * line/paragraph separators, spaces other than U+0020, private-use, unassigned and lone
 * surrogates, enclosing marks, variation selectors, the combining grapheme joiner, Hangul fillers,
 * the braille blank and the Khmer / Mongolian invisibles.
 */
const INVISIBLE = new RegExp(
  "[\\p{Cc}\\p{Cf}\\p{Zl}\\p{Zp}\\p{Co}\\p{Cn}\\p{Cs}\\p{Me}\\u00A0\\u1680\\u2000-\\u200A" +
    "\\u202F\\u205F\\u3000\\uFE00-\\uFE0F\\u{E0100}-\\u{E01EF}\\u034F\\u115F\\u1160\\u3164\\uFFA0" +
    '\\u2800\\u17B4\\u17B5\\u180B-\\u180F\\\\"]',
  "u",
);
const MARK = /\p{Mn}/u;
const NAMED: Record<string, string> = {
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\\": "\\\\",
  '"': '\\"',
};

/**
 * `text` in double quotes with every character that is not plainly visible escaped; past `limit`
 * characters of output it stops (the caller refuses such text anyway, and need not escape 4 MB).
 */
export function quote(text: string, limit = Infinity): string {
  let out = '"';
  let previousMark = false;
  for (const char of text) {
    const mark = MARK.test(char);
    // One combining mark shows as an accent; stacked ones can cover neighbouring text.
    if (INVISIBLE.test(char) || (mark && previousMark)) out += escapeChar(char);
    else out += char;
    previousMark = mark;
    if (out.length > limit) return out;
  }
  return `${out}"`;
}

/** A key as shown: bare when a plain ASCII name, else as {@link quoteKey}. */
export function showKey(key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(key) ? key : quoteKey(key);
}

/** `key` in double quotes with everything but printable ASCII escaped (no look-alike letters). */
export function quoteKey(key: string): string {
  let out = '"';
  for (const char of key) {
    const code = char.codePointAt(0)!;
    out += code >= 0x20 && code < 0x7f && !NAMED[char] ? char : escapeChar(char);
  }
  return `${out}"`;
}

function escapeChar(char: string): string {
  return NAMED[char] ?? `\\u{${char.codePointAt(0)!.toString(16).toUpperCase()}}`;
}

/** The lines a person reads about `args`: one `key = value` line per argument. */
export function renderArguments(args: Record<string, unknown>, options: RenderOptions): Rendered {
  const whole = renderAll(args, options, false);
  if (!whole.ok) return whole;
  const limit = `longer than approval.question_max_chars (${
    options.maxChars.toLocaleString("en")
  } characters)`;
  if (whole.text.length <= options.maxChars) return whole;
  if (options.longArguments === "refuse") return { ok: false, reason: `their text is ${limit}` };
  const cut = renderAll(args, options, true);
  if (!cut.ok || cut.text.length <= options.maxChars) return cut;
  return { ok: false, reason: `their text is ${limit}, even with long values cut` };
}

/** Pieces of text up to a limit; past it, writing stops (the text will be refused). */
class Writer {
  parts: string[] = [];
  size = 0;
  cut = 0;
  hidden = 0;
  tooDeep = false;

  constructor(readonly limit: number, readonly cutLong: boolean) {}

  /** True once more than `limit` characters were written. */
  get full(): boolean {
    return this.size > this.limit;
  }

  write(text: string): void {
    this.parts.push(text);
    this.size += text.length;
  }

  /** How many more characters may be written before the limit is passed. */
  get room(): number {
    return this.limit - this.size;
  }
}

function renderAll(args: Record<string, unknown>, options: RenderOptions, cutLong: boolean) {
  const undeclared = new Set(options.undeclared ?? []);
  const out = new Writer(options.maxChars, cutLong);
  let count = 0;
  for (const key in args) {
    if (!Object.hasOwn(args, key)) continue;
    count++;
    if (out.full) break; // the text will be refused: no need to count further
    const flag = undeclared.has(key) ? `${UNDECLARED_FLAG} ` : "";
    out.write(`${count > 1 ? "\n" : ""}  ${flag}${showKey(key)} = `);
    show(args[key], 1, out);
  }
  if (out.tooDeep) {
    const reason = `they nest more than ${MAX_SHOWN_DEPTH} levels deep, too deep to show`;
    return { ok: false, reason } as const;
  }
  const header = out.cut
    ? `  (${out.cut} long ${out.cut === 1 ? "value is" : "values are"} cut below, ` +
      `${out.hidden.toLocaleString("en")} characters not shown: approving allows the whole ` +
      "values)\n"
    : "";
  const text = header + out.parts.join("");
  return { ok: true, text, count, cut: out.cut } as const;
}

function show(value: unknown, depth: number, out: Writer): void {
  if (out.full) return;
  if (typeof value === "string") return out.write(showString(value, out));
  if (value === null || typeof value !== "object") {
    return out.write(String(JSON.stringify(value) ?? value));
  }
  if (depth > MAX_SHOWN_DEPTH) {
    out.tooDeep = true;
    return out.write("…");
  }
  if (Array.isArray(value)) {
    out.write("[");
    for (let i = 0; i < value.length && !out.full; i++) {
      if (i) out.write(", ");
      show(value[i], depth + 1, out);
    }
    return out.write("]");
  }
  out.write("{");
  let first = true;
  for (const key in value) { // no array of every entry: an object may have a million keys
    if (out.full) return;
    if (!Object.hasOwn(value, key)) continue;
    out.write(`${first ? "" : ", "}${quoteKey(key)}: `);
    show((value as Record<string, unknown>)[key], depth + 1, out);
    first = false;
  }
  out.write("}");
}

function showString(text: string, out: Writer): string {
  const room = out.room + 1;
  if (!out.cutLong || text.length <= CUT_ABOVE) return quote(text, room);
  const total = codePoints(text, text.length);
  if (total <= CUT_ABOVE) return quote(text, room);
  const hidden = total - CUT_TO;
  out.cut++;
  out.hidden += hidden;
  const head = text.slice(0, codePoints(text, CUT_TO, true));
  return `${quote(head, room)} [… ${hidden.toLocaleString("en")} more characters not shown]`;
}

/**
 * How many code points `text` has (a surrogate pair is one), counting at most `most`; with
 * `units`, how many UTF-16 units those code points take instead.
 */
function codePoints(text: string, most: number, units = false): number {
  let count = 0;
  let i = 0;
  while (i < text.length && count < most) {
    const unit = text.charCodeAt(i);
    const next = text.charCodeAt(i + 1); // NaN past the end
    i += unit >= 0xd800 && unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff ? 2 : 1;
    count++;
  }
  return units ? i : count;
}
