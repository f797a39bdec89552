/**
 * Tool search for `search_tools` and the code agent: ranks catalog entries by how well their name,
 * description and server match a free-text query (tf-idf weighted, names weigh most). Deprecated
 * tools (their title or description says so) come after every other match, and the replacement a
 * deprecated tool names ("Use read_text_file instead") ranks at least as high as it would have.
 */
import type { CatalogEntry } from "./broker.ts";

/** Options for {@link searchTools}. */
export interface SearchOptions {
  /** Only tools of this server (configured name or Python name). */
  server?: string;
  /** Most results returned. */
  limit?: number;
}

const STOP_WORDS = new Set([
  "a",
  "an",
  "the",
  "and",
  "or",
  "of",
  "to",
  "in",
  "on",
  "for",
  "with",
  "by",
  "from",
  "is",
  "it",
  "that",
  "this",
  "as",
  "at",
  "be",
  "all",
  "any",
  "can",
  "do",
  "i",
  "me",
  "my",
  "how",
  "what",
]);

/** Splits text into lowercase words (snake_case, kebab-case and camelCase split too). */
export function words(text: string): string[] {
  return text.replace(/([a-z0-9])([A-Z])/g, "$1 $2").toLowerCase().split(/[^a-z0-9]+/)
    .filter((w) => w.length > 1 && !STOP_WORDS.has(w));
}

/**
 * Ranks entries against `query`, the best `limit` (10 by default); an empty query lists them all
 * in name order (deprecated last).
 */
export function searchTools(
  entries: readonly CatalogEntry[],
  query: string,
  options: SearchOptions = {},
): CatalogEntry[] {
  return rankTools(entries, query, options.server).slice(0, options.limit ?? 10);
}

/** Every entry that matches `query` (of `server` only, when given), best first. */
export function rankTools(
  entries: readonly CatalogEntry[],
  query: string,
  server?: string,
): CatalogEntry[] {
  const pool = entries.filter((e) =>
    !server || e.ref.server === server || e.ref.py_server === server
  );
  const terms = [...new Set(words(query))];
  if (!terms.length) {
    return [...pool].sort((a, b) =>
      Number(isDeprecated(a)) - Number(isDeprecated(b)) || byName(a, b)
    );
  }
  const docs = pool.map((entry) => ({
    entry,
    name: new Set(words(`${entry.tool.name} ${entry.ref.py_name}`)),
    text: new Set(words(`${entry.tool.title ?? ""} ${entry.tool.description ?? ""}`)),
    server: new Set(words(`${entry.ref.server} ${entry.upstream.config.description ?? ""}`)),
  }));
  const idf = (term: string) => {
    const df =
      docs.filter((d) => d.name.has(term) || d.text.has(term) || hasPrefix(d.name, term)).length;
    return Math.log(1 + docs.length / (1 + df));
  };
  const needle = query.trim().toLowerCase().replace(/[\s-]+/g, "_");
  const scored = docs.map((d) => {
    let score = 0;
    for (const term of terms) {
      const weight = idf(term);
      if (d.name.has(term)) score += 3 * weight;
      else if (hasPrefix(d.name, term)) score += 2 * weight;
      if (d.text.has(term)) score += weight;
      else if (hasPrefix(d.text, term)) score += 0.5 * weight;
      if (d.server.has(term)) score += 0.5 * weight;
    }
    if (
      d.entry.ref.py_name === needle ||
      d.entry.tool.name.toLowerCase() === query.trim().toLowerCase()
    ) score += 10;
    return { entry: d.entry, score, deprecated: isDeprecated(d.entry) };
  });
  promoteReplacements(scored);
  return scored.filter((s) => s.score > 0)
    .sort((a, b) =>
      Number(a.deprecated) - Number(b.deprecated) || b.score - a.score || byName(a.entry, b.entry)
    )
    .map((s) => s.entry);
}

interface Scored {
  entry: CatalogEntry;
  score: number;
  deprecated: boolean;
}

/** Whether the tool's title or description calls it deprecated. */
export function isDeprecated(entry: CatalogEntry): boolean {
  return /\bdeprecated\b/i.test(`${entry.tool.title ?? ""} ${entry.tool.description ?? ""}`);
}

/** Gives the tool a deprecated one points to ("use X instead") the deprecated one's score. */
function promoteReplacements(scored: Scored[]): void {
  for (const old of scored) {
    if (!old.deprecated || old.score <= 0) continue;
    const name = /\buse\s+`?([A-Za-z0-9_.-]+)`?\s+instead\b/i.exec(old.entry.tool.description ?? "")
      ?.[1];
    const replacement = scored.find((s) =>
      s !== old && s.entry.upstream === old.entry.upstream &&
      (s.entry.tool.name === name || s.entry.ref.py_name === name)
    );
    if (replacement) replacement.score = Math.max(replacement.score, old.score);
  }
}

function hasPrefix(set: Set<string>, term: string): boolean {
  if (term.length < 3) return false;
  for (const word of set) {
    if (word.startsWith(term) || (word.length >= 4 && term.startsWith(word))) return true;
  }
  return false;
}

function byName(a: CatalogEntry, b: CatalogEntry): number {
  return `${a.ref.py_server}.${a.ref.py_name}`.localeCompare(`${b.ref.py_server}.${b.ref.py_name}`);
}
