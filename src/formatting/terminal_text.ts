/**
 * Text for a person's terminal: what a program, an upstream server or the network controls is
 * shown with its control characters made visible (`\x1b`, `\r`, `\x9b`, `\u202e`), so none of
 * them can set the window title, clear the screen, write the clipboard or disguise a question.
 * Escaped: every C0 control but newline and tab, DEL, every C1 control, and the Unicode format
 * characters that reorder or hide text (bidirectional overrides and isolates, zero-width marks,
 * line and paragraph separators, the byte-order mark; not the joiners that emoji and some
 * scripts need). Backslashes stay as they are. Pure.
 */

/** Characters shown escaped by {@link terminalText} (newline and tab excepted). */
const UNSAFE =
  // deno-lint-ignore no-control-regex
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200b\u200e\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;

/** Characters shown escaped by {@link terminalLine}: those above, newline and tab too. */
const UNSAFE_IN_LINE = new RegExp(`${UNSAFE.source.slice(0, -1)}\\n\\t]`, "g");

/** The visible form of one unsafe character. */
export function escapeChar(char: string): string {
  if (char === "\n") return "\\n";
  if (char === "\t") return "\\t";
  if (char === "\r") return "\\r";
  const code = char.charCodeAt(0);
  const hex = code.toString(16).padStart(code < 0x100 ? 2 : 4, "0");
  return code < 0x100 ? `\\x${hex}` : `\\u${hex}`;
}

/** `text` safe for a terminal, keeping its newlines and tabs. */
export function terminalText(text: string): string {
  return text.replace(UNSAFE, escapeChar);
}

/** `text` safe for a terminal on one line (newlines and tabs escaped too). */
export function terminalLine(text: string): string {
  return text.replace(UNSAFE_IN_LINE, escapeChar);
}

/**
 * `text` cut to at most `max` characters at a word boundary, ending in "…" when it was cut (a
 * single word longer than the space is cut inside it; a surrogate pair is never split).
 */
export function clipAtWord(text: string, max: number): string {
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  const room = chars.slice(0, Math.max(0, max - 1));
  let end = room.length;
  while (end > 0 && !/\s/.test(chars[end])) end--; // chars[end] is the first character cut off
  const kept = end > room.length / 2 ? room.slice(0, end) : room;
  return `${kept.join("").trimEnd()}…`;
}
