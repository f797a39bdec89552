/**
 * How deeply a JSON value nests, measured without recursion (a hostile upstream can send 200,000
 * levels, which would overflow any recursive walk — here, in V8's serialiser, or in Python).
 */

/** Deepest nesting of arrays and objects a tool result may have on its way to Python. */
export const MAX_RESULT_DEPTH = 256;

/** True when `value` nests arrays/objects more than `limit` levels deep (a scalar is level 0). */
export function nestedDeeperThan(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!;
    if (typeof item !== "object" || item === null) continue;
    if (depth + 1 > limit) return true;
    const children = Array.isArray(item) ? item : Object.values(item);
    for (const child of children) {
      if (typeof child === "object" && child !== null) stack.push([child, depth + 1]);
    }
  }
  return false;
}
