/**
 * Tool-call arguments made fit to keep: {@link cutArguments} bounds every value for the audit log
 * (long strings and lists cut with a note, named keys redacted at any depth). What a person reads
 * in an approval question is written by `question_text.ts`.
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
