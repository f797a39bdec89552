/**
 * Tool-call arguments made fit to show or keep: {@link cutArguments} bounds every value for the
 * audit log (long strings and lists cut with a note, named keys redacted at any depth) and
 * {@link summariseArguments} writes the one-line summary a person reads in an approval question.
 */

/** What replaces the value of a redacted key. */
export const REDACTED = "[redacted]";

const MAX_ITEMS = 50;
const MAX_DEPTH = 8;

/** Options for {@link cutArguments}. */
export interface CutOptions {
  /** Longest string kept whole (default 200 characters). */
  maxChars?: number;
  /** Keys whose values become `"[redacted]"`, wherever they appear. */
  redact?: readonly string[];
}

/** A copy of `value` with long strings and lists cut and the `redact` keys hidden. */
export function cutArguments(value: unknown, options: CutOptions = {}): unknown {
  const maxChars = options.maxChars ?? 200;
  const redact = new Set(options.redact ?? []);
  const visit = (item: unknown, depth: number): unknown => {
    if (typeof item === "string") return cutString(item, maxChars);
    if (item === null || typeof item !== "object") return item;
    if (depth >= MAX_DEPTH) return "[…]";
    if (Array.isArray(item)) {
      const kept = item.slice(0, MAX_ITEMS).map((x) => visit(x, depth + 1));
      return item.length > MAX_ITEMS ? [...kept, `[… ${item.length - MAX_ITEMS} more]`] : kept;
    }
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(item)) {
      out[key] = redact.has(key) ? REDACTED : visit(inner, depth + 1);
    }
    return out;
  };
  return visit(value, 0);
}

/** `text` cut to `max` characters with a note of how many were left out. */
export function cutString(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}… [${text.length - max} more characters]` : text;
}

/** A readable one-line summary of arguments, e.g. `path="a.txt", content="hello…" (2,000 chars)`. */
export function summariseArguments(args: Record<string, unknown>, maxChars = 600): string {
  const entries = Object.entries(args);
  if (!entries.length) return "no arguments";
  const parts = entries.map(([key, value]) => `${key}=${shortValue(value)}`);
  const text = parts.join(", ");
  return text.length > maxChars ? `${text.slice(0, maxChars)}…` : text;
}

function shortValue(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  if (text.length <= 80) return text;
  const size = typeof value === "string" ? value.length : text.length;
  return `${text.slice(0, 60)}… (${size.toLocaleString("en")} chars)`;
}
