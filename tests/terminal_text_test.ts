/**
 * Unit tests of `src/formatting/terminal_text.ts`: every control character a program or an
 * upstream could send to a terminal is shown escaped (newline and tab kept, or escaped on one
 * line), printable text of any script is left alone, and cutting happens at a word boundary.
 */
import assert from "node:assert/strict";
import {
  clipAtWord,
  escapeChar,
  terminalLine,
  terminalText,
} from "../src/formatting/terminal_text.ts";

Deno.test("the sequences of issue 22 arrive escaped: window title, clear screen, clipboard", () => {
  const title = "\x1b]0;pwned\x07";
  const clear = "\x1b[2J\x1b[H";
  const clipboard = "\x1b]52;c;ZWNobyBoaQ==\x1b\\";
  assert.equal(terminalText(title), "\\x1b]0;pwned\\x07");
  assert.equal(terminalText(clear), "\\x1b[2J\\x1b[H");
  assert.equal(terminalText(clipboard), "\\x1b]52;c;ZWNobyBoaQ==\\x1b\\");
});

Deno.test("every C0 control but newline and tab, DEL and every C1 control is escaped", () => {
  for (let code = 0; code < 0xa0; code++) {
    const char = String.fromCharCode(code);
    const shown = terminalText(`a${char}b`);
    const control = code < 0x20 || code >= 0x7f;
    if (!control || char === "\n" || char === "\t") {
      assert.equal(shown, `a${char}b`, `U+${code.toString(16)} is kept`);
    } else {
      assert.match(shown, /^a\\(x[0-9a-f]{2}|r)b$/, `U+${code.toString(16)} is escaped`);
      // deno-lint-ignore no-control-regex
      assert.doesNotMatch(shown.slice(1, -1), /[\u0000-\u001f\u007f-\u009f]/);
    }
  }
  assert.equal(terminalText("\x9b31m"), "\\x9b31m", "the one-byte CSI (C1) too");
  assert.equal(terminalText("\r\n"), "\\r\n", "a carriage return cannot overwrite a line");
  assert.equal(escapeChar("\0"), "\\x00");
});

Deno.test("characters that reorder or hide text are escaped; other Unicode is left alone", () => {
  assert.equal(
    terminalText("a\u202eb\u2066c\u200bd\u2028e\ufeff"),
    "a\\u202eb\\u2066c\\u200bd\\u2028e\\ufeff",
  );
  const printable = "Grüße, 日本語, emoji 👨‍👩‍👧, ‏-free Persian می‌خواهم, C:\\path\\x1b";
  const kept = printable.replace("\u200f", "");
  assert.equal(terminalText(kept), kept, "printable text and backslashes stay as they are");
});

Deno.test("terminalLine keeps a value on one line: newline and tab escaped too", () => {
  assert.equal(terminalLine("a\nb\tc\x1b"), "a\\nb\\tc\\x1b");
  assert.equal(terminalLine("plain"), "plain");
  assert.equal(terminalText("a\nb\tc"), "a\nb\tc");
});

Deno.test("clipAtWord cuts at a word boundary with an ellipsis, or not at all", () => {
  assert.equal(clipAtWord("short enough", 20), "short enough");
  assert.equal(clipAtWord("exactly ten", 11), "exactly ten");
  assert.equal(clipAtWord("Runs sandboxed Python and returns stdout", 20), "Runs sandboxed…");
  assert.equal(clipAtWord("one two three", 8), "one two…");
  const cut = clipAtWord("Each call starts a fresh interpreter; nothing survives", 30);
  assert.ok(cut.length <= 30, cut);
  assert.ok("Each call starts a fresh interpreter; nothing survives".startsWith(cut.slice(0, -1)));
  assert.match(cut, /\w…$/);
  assert.equal(clipAtWord("abcdefghijklmnopqrstuvwxyz", 10), "abcdefghi…", "one long word");
  assert.equal(Array.from(clipAtWord("😀😀😀😀😀😀", 4)).length, 4, "no surrogate pair is split");
});
