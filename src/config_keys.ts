/**
 * Names unknown configuration keys, with a "did you mean" for a near miss (a known key at the
 * same place within a small edit distance, or one the key is a part of), found by walking the zod
 * schema along the JSON path.
 */
import { z } from "zod";

/** `unknown key(s) "comand" (did you mean "command"?)`, for the keys found at `path`. */
export function unknownKeysHint(
  schema: z.ZodType,
  path: readonly PropertyKey[],
  keys: readonly string[],
): string {
  const known = knownKeys(schema, path);
  const named = keys.map((key) => {
    const near = nearest(key, known);
    return near ? `"${key}" (did you mean "${near}"?)` : `"${key}"`;
  });
  return `unknown key(s) ${named.join(", ")}`;
}

/** The keys an object accepts at `path` (every branch's keys for a union). */
export function knownKeys(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  const objects = walk(schema, path);
  return [...new Set(objects.flatMap((o) => Object.keys(o.shape)))];
}

function walk(schema: z.ZodType, path: readonly PropertyKey[]): z.ZodObject[] {
  const inner = unwrap(schema);
  if (inner instanceof z.ZodUnion) {
    return (inner.options as z.ZodType[]).flatMap((option) => walk(option, path));
  }
  if (!path.length) return inner instanceof z.ZodObject ? [inner] : [];
  const [head, ...rest] = path;
  if (inner instanceof z.ZodObject) {
    const child = inner.shape[String(head)] as z.ZodType | undefined;
    return child ? walk(child, rest) : [];
  }
  if (inner instanceof z.ZodRecord) return walk(inner.valueType as z.ZodType, rest);
  if (inner instanceof z.ZodArray) return walk(inner.element as z.ZodType, rest);
  return [];
}

function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  while (
    current instanceof z.ZodDefault || current instanceof z.ZodOptional ||
    current instanceof z.ZodNullable
  ) {
    current = current.unwrap() as z.ZodType;
  }
  return current;
}

/**
 * The known key closest to `key`: within a third of its length in edits, else the shortest known
 * key that starts or ends with it, contains it, or that it starts with (`timeout` → `timeout_ms`).
 */
export function nearest(key: string, known: readonly string[]): string | undefined {
  const limit = Math.max(1, Math.floor(key.length / 3));
  const wanted = key.toLowerCase();
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    const distance = editDistance(wanted, name.toLowerCase());
    if (distance <= limit && (!best || distance < best.distance)) best = { name, distance };
  }
  return best?.name ?? part(wanted, known);
}

/** The shortest known key `key` is a part of (or that is a prefix of `key`); 4 letters at least. */
function part(key: string, known: readonly string[]): string | undefined {
  if (key.length < 4) return undefined;
  const ranked = (test: (name: string) => boolean) =>
    known.filter((name) => test(name.toLowerCase())).sort((a, b) => a.length - b.length)[0];
  return ranked((n) => n.startsWith(key) || n.endsWith(key)) ??
    ranked((n) => n.includes(key)) ??
    ranked((n) => n.length >= 4 && key.startsWith(n));
}

/** Edit distance: insertions, deletions, substitutions and swaps of neighbours cost 1 each. */
export function editDistance(a: string, b: string): number {
  const d = Array.from(
    { length: a.length + 1 },
    (_, i) => Array.from({ length: b.length + 1 }, (_, j) => i === 0 ? j : j === 0 ? i : 0),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.length][b.length];
}
