/**
 * `${NAME}` and `${NAME:-default}` expansion of configuration strings. Defaults may hold further
 * references (`${MCP_CODE_MODE_WORKSPACE:-${CONFIG_DIR}/workspace}`) and are only expanded when
 * used. A `${` that does not start a complete reference is kept as written.
 */

/** Looks a name up; `undefined` (or an empty string) means it is not set. */
export type Lookup = (name: string) => string | undefined;

/** An expanded string, or the first name that was needed and not set. */
export type ExpandedString = { ok: true; value: string } | { ok: false; missing: string };

interface Piece {
  text: string;
  end: number;
  missing?: string;
}

/** Expands every reference in `text`. */
export function expandString(text: string, lookup: Lookup): ExpandedString {
  const piece = scan(text, 0, lookup, false);
  return piece.missing === undefined
    ? { ok: true, value: piece.text }
    : { ok: false, missing: piece.missing };
}

/** Reads from `start` to the end of `text` (or, nested, to the `}` that closes a default). */
function scan(text: string, start: number, lookup: Lookup, nested: boolean): Piece {
  let out = "";
  let missing: string | undefined;
  let i = start;
  while (i < text.length) {
    if (nested && text[i] === "}") return { text: out, end: i, missing };
    const ref = text.startsWith("${", i) ? reference(text, i, lookup) : undefined;
    if (ref) {
      out += ref.text;
      missing ??= ref.missing;
      i = ref.end;
    } else {
      out += text[i];
      i++;
    }
  }
  return { text: out, end: i, missing };
}

/** The reference starting at `i` (at its `${`), or `undefined` when it is not one. */
function reference(text: string, i: number, lookup: Lookup): Piece | undefined {
  const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i + 2))?.[0];
  if (!name) return undefined;
  let end = i + 2 + name.length;
  let fallback: Piece | undefined;
  if (text.startsWith(":-", end)) {
    fallback = scan(text, end + 2, lookup, true);
    end = fallback.end;
  }
  if (text[end] !== "}") return undefined;
  const found = lookup(name);
  if (found !== undefined && found !== "") return { text: found, end: end + 1 };
  if (fallback) return { text: fallback.text, end: end + 1, missing: fallback.missing };
  return { text: "", end: end + 1, missing: name };
}
