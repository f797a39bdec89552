/**
 * Checks the import layering of the project (docs/ARCHITECTURE.md, "Module map"): every import
 * between project files, type-only ones included, must follow the rules below, and there must be
 * no cycle. Prints each broken rule and exits 1; prints a one-line summary and exits 0 otherwise.
 *
 * Run it with `deno task layers` (part of `deno task ok`); `tests/layers_test.ts` runs it too.
 */

/** One layering rule: files under `from` may not import files under any of `banned`. */
export interface LayerRule {
  from: string;
  banned: string[];
  why: string;
}

/** Everything above the relay protocol and the contracts. */
const ABOVE_RELAY = [
  "src/server/",
  "src/broker/",
  "src/sandbox_host/",
  "src/http/",
  "src/agent/",
  "src/formatting/",
  "src/policy/",
  "src/config.ts",
];

/** The layering: main.ts → src/server → src/broker | src/sandbox_host → contracts, relay ← sandbox. */
export const RULES: LayerRule[] = [
  {
    from: "src/contracts.ts",
    banned: ["src/", "sandbox/", "main.ts"],
    why: "the contracts module imports nothing of ours",
  },
  {
    from: "src/relay/",
    banned: [...ABOVE_RELAY, "sandbox/"],
    why: "the relay protocol builds only on the contracts",
  },
  {
    from: "sandbox/",
    banned: [...ABOVE_RELAY, "main.ts"],
    why: "the sandbox child knows only the relay protocol and the contracts",
  },
  {
    from: "src/broker/",
    banned: ["src/sandbox_host/", "src/server/", "src/http/", "src/agent/", "src/binary/"],
    why: "the broker and the sandbox host are siblings below the server",
  },
  {
    from: "src/sandbox_host/",
    banned: ["src/broker/", "src/server/", "src/http/", "src/agent/", "src/binary/"],
    why: "the sandbox host and the broker are siblings below the server",
  },
  {
    from: "src/formatting/",
    banned: ["src/broker/", "src/sandbox_host/", "src/server/", "src/http/", "src/agent/"],
    why: "formatting is a leaf the broker and server use",
  },
  {
    from: "src/",
    banned: ["main.ts", "binary.ts", "tests/", "bench/", "scripts/"],
    why: "the library never imports its entry points, tests, bench or scripts",
  },
  {
    from: "bench/",
    banned: ["tests/"],
    why: "the bench imports src/ and the shared support/ module, not the tests",
  },
  {
    from: "scripts/",
    banned: ["tests/", "bench/"],
    why: "scripts import src/ and support/, not the tests or bench",
  },
];

/** The folders and files whose imports are checked. */
export const ROOTS = ["main.ts", "binary.ts", "src", "sandbox", "bench", "scripts", "support"];

/** One import between two project files. */
export interface Edge {
  from: string;
  to: string;
}

const IMPORT =
  /(?:^|[\s;}])(?:import|export)\s+(?:type\s+)?(?:[^"';]*?\sfrom\s+)?["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

/** The relative import specifiers of one source text (static, type-only and dynamic). */
export function specifiers(source: string): string[] {
  const found: string[] = [];
  for (const match of source.matchAll(IMPORT)) {
    const spec = match[1] ?? match[2];
    if (spec && spec.startsWith(".")) found.push(spec);
  }
  return found;
}

/** Resolves `spec` imported by `from` (both relative to the project root). */
export function resolve(from: string, spec: string): string {
  const parts = from.split("/").slice(0, -1);
  for (const piece of spec.split("/")) {
    if (piece === "..") parts.pop();
    else if (piece !== ".") parts.push(piece);
  }
  return parts.join("/");
}

/** The rules an edge breaks. */
export function violations(edge: Edge, rules: LayerRule[] = RULES): LayerRule[] {
  return rules.filter((rule) =>
    under(edge.from, rule.from) && rule.banned.some((b) => under(edge.to, b))
  );
}

function under(path: string, prefix: string): boolean {
  return prefix.endsWith("/") ? path.startsWith(prefix) : path === prefix;
}

/** Every cycle (as a strongly connected component of two or more files, or a self-import). */
export function cycles(edges: Edge[]): string[][] {
  const graph = new Map<string, string[]>();
  for (const { from, to } of edges) {
    graph.set(from, [...(graph.get(from) ?? []), to]);
    if (!graph.has(to)) graph.set(to, []);
  }
  // Tarjan's algorithm, iterative so a long chain cannot overflow the stack.
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  for (const start of graph.keys()) {
    if (index.has(start)) continue;
    const work: Array<{ node: string; next: number }> = [{ node: start, next: 0 }];
    index.set(start, counter);
    low.set(start, counter++);
    stack.push(start);
    onStack.add(start);
    while (work.length) {
      const frame = work[work.length - 1];
      const targets = graph.get(frame.node)!;
      if (frame.next < targets.length) {
        const to = targets[frame.next++];
        if (!index.has(to)) {
          index.set(to, counter);
          low.set(to, counter++);
          stack.push(to);
          onStack.add(to);
          work.push({ node: to, next: 0 });
        } else if (onStack.has(to)) {
          low.set(frame.node, Math.min(low.get(frame.node)!, index.get(to)!));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!));
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.node);
        if (component.length > 1 || targets.includes(frame.node)) found.push(component.sort());
      }
    }
  }
  return found;
}

async function sourceFiles(root: string, dir: string): Promise<string[]> {
  const files: string[] = [];
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(`${root}${dir}`);
  } catch {
    return files;
  }
  if (info.isFile) return /\.(ts|js|mjs)$/.test(dir) ? [dir] : [];
  for await (const entry of Deno.readDir(`${root}${dir}`)) {
    if (entry.name.startsWith(".") || entry.name === "results") continue;
    files.push(...await sourceFiles(root, `${dir}/${entry.name}`));
  }
  return files;
}

/** Reads every checked file under `root` and returns the imports between project files. */
export async function projectEdges(root: string): Promise<Edge[]> {
  const edges: Edge[] = [];
  for (const top of ROOTS) {
    for (const file of await sourceFiles(root, top)) {
      const text = await Deno.readTextFile(`${root}${file}`);
      for (const spec of specifiers(text)) edges.push({ from: file, to: resolve(file, spec) });
    }
  }
  return edges;
}

/** Checks the project at `root` (ending in `/`); returns the problems found, one line each. */
export async function checkLayers(root: string): Promise<{ edges: number; problems: string[] }> {
  const edges = await projectEdges(root);
  const problems: string[] = [];
  for (const edge of edges) {
    for (const rule of violations(edge)) {
      problems.push(`${edge.from} imports ${edge.to}: ${rule.why}.`);
    }
  }
  for (const cycle of cycles(edges)) problems.push(`Import cycle: ${cycle.join(" → ")}.`);
  return { edges: edges.length, problems };
}

if (import.meta.main) {
  const root = decodeURIComponent(new URL("../", import.meta.url).pathname);
  const { edges, problems } = await checkLayers(root);
  for (const problem of problems) console.error(problem);
  if (problems.length) {
    console.error(`${problems.length} layering problem(s); see docs/ARCHITECTURE.md.`);
    Deno.exit(1);
  }
  console.error(`Layering holds: ${edges} imports between project files, no cycle.`);
}
