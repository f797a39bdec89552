/**
 * Python names for upstream servers and tools: every name becomes a valid identifier
 * (`get-sum` → `get_sum`), deterministically, with collisions resolved by a numeric suffix in the
 * sorted order of the original names.
 */
import { PYTHON_KEYWORDS } from "../formatting/python_keywords.ts";

/** Reserved attribute names of the `tools` namespaces. */
const RESERVED = new Set(["aio"]);

/** Turns any name into a valid, non-keyword Python identifier. */
export function pythonIdentifier(name: string): string {
  let id = name.normalize("NFKD").replace(/\p{M}+/gu, "").replace(/[^A-Za-z0-9_]+/g, "_")
    .replace(/^_+|_+$/g, "");
  id = id.replace(/_{2,}/g, "_");
  if (id === "") id = "unnamed";
  if (/^[0-9]/.test(id)) id = `_${id}`;
  if (PYTHON_KEYWORDS.has(id) || RESERVED.has(id)) id = `${id}_`;
  return id;
}

/** Maps each name to a unique identifier; the result is the same for the same set of names. */
export function assignIdentifiers(names: Iterable<string>): Map<string, string> {
  const sorted = [...new Set(names)].sort();
  const taken = new Set<string>();
  const out = new Map<string, string>();
  // Names that are already valid identifiers keep them first, so a rename never steals them.
  const exact = sorted.filter((n) => pythonIdentifier(n) === n);
  for (const name of exact) {
    out.set(name, name);
    taken.add(name);
  }
  for (const name of sorted) {
    if (out.has(name)) continue;
    const base = pythonIdentifier(name);
    let candidate = base;
    for (let i = 2; taken.has(candidate); i++) candidate = `${base}_${i}`;
    out.set(name, candidate);
    taken.add(candidate);
  }
  return out;
}
