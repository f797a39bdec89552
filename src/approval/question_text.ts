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

/** `text` in double quotes with every character that is not plainly visible escaped. */
export function quote(text: string): string {
  let out = '"';
  let previousMark = false;
  for (const char of text) {
    const mark = MARK.test(char);
    // One combining mark shows as an accent; stacked ones can cover neighbouring text.
    if (INVISIBLE.test(char) || (mark && previousMark)) out += escapeChar(char);
    else out += char;
    previousMark = mark;
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
  if (!whole.ok || whole.text.length <= options.maxChars) return whole;
  const limit = `more than approval.question_max_chars (${options.maxChars.toLocaleString("en")})`;
  const size = `their text takes ${whole.text.length.toLocaleString("en")} characters, ${limit}`;
  if (options.longArguments === "refuse") return { ok: false, reason: size };
  const cut = renderAll(args, options, true);
  if (!cut.ok || cut.text.length <= options.maxChars) return cut;
  return {
    ok: false,
    reason: `${size}, and still ${cut.text.length.toLocaleString("en")} with long values cut`,
  };
}

function renderAll(args: Record<string, unknown>, options: RenderOptions, cutLong: boolean) {
  const undeclared = new Set(options.undeclared ?? []);
  const state = { cut: 0, hidden: 0, tooDeep: false };
  const lines = Object.entries(args).map(([key, value]) =>
    `  ${undeclared.has(key) ? `${UNDECLARED_FLAG} ` : ""}${showKey(key)} = ${
      show(value, 1, cutLong, state)
    }`
  );
  if (state.tooDeep) {
    return {
      ok: false,
      reason: `they nest more than ${MAX_SHOWN_DEPTH} levels deep, too deep to show`,
    } as const;
  }
  if (state.cut) {
    lines.unshift(
      `  (${state.cut} long ${state.cut === 1 ? "value is" : "values are"} cut below, ` +
        `${state.hidden.toLocaleString("en")} characters not shown: approving allows the ` +
        "whole values)",
    );
  }
  return {
    ok: true,
    text: lines.join("\n"),
    count: Object.keys(args).length,
    cut: state.cut,
  } as const;
}

type State = { cut: number; hidden: number; tooDeep: boolean };

function show(value: unknown, depth: number, cutLong: boolean, state: State): string {
  if (typeof value === "string") return showString(value, cutLong, state);
  if (value === null || typeof value !== "object") return String(JSON.stringify(value) ?? value);
  if (depth > MAX_SHOWN_DEPTH) {
    state.tooDeep = true;
    return "…";
  }
  if (Array.isArray(value)) {
    return `[${value.map((item) => show(item, depth + 1, cutLong, state)).join(", ")}]`;
  }
  const entries = Object.entries(value).map(([key, inner]) =>
    `${quoteKey(key)}: ${show(inner, depth + 1, cutLong, state)}`
  );
  return `{${entries.join(", ")}}`;
}

function showString(text: string, cutLong: boolean, state: State): string {
  if (!cutLong || text.length <= CUT_ABOVE) return quote(text);
  const chars = Array.from(text);
  if (chars.length <= CUT_ABOVE) return quote(text);
  const hidden = chars.length - CUT_TO;
  state.cut++;
  state.hidden += hidden;
  return `${quote(chars.slice(0, CUT_TO).join(""))} [… ${hidden.toLocaleString("en")} more ` +
    "characters not shown]";
}
