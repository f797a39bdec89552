/**
 * The token economy bench's tasks: eight multi-step tasks over real servers (filesystem over a
 * generated 240-file tree, memory, everything), each written once as classic tool calls and once
 * as the one program a model would write in code mode from the stubs `search_tools` shows.
 */
/** Calls one upstream tool directly (classic tool calling). */
export type Call = (
  server: string,
  tool: string,
  args: Record<string, unknown>,
) => Promise<unknown>;

/** One bench task, done both ways. */
export interface Task {
  name: string;
  prompt: string;
  /** The query of the one search_tools call the model makes first (code mode). */
  search: string;
  classic: (call: Call, root: string) => Promise<unknown>;
  program: (root: string) => string;
}

const text = (r: unknown) =>
  ((r as { content: Array<{ text?: string }> }).content ?? []).map((c) => c.text ?? "").join("\n");
const entries = (listing: string, kind: "FILE" | "DIR") =>
  listing.split("\n").filter((l) => l.startsWith(`[${kind}]`)).map((l) => l.slice(kind.length + 3));
const files = (listing: string) => entries(listing, "FILE");
const readMany = async (call: Call, paths: string[]) =>
  text(await call("filesystem", "read_multiple_files", { paths })).split("\n---\n");
const PACKAGES = ["api", "cli", "core", "jobs", "models", "utils"];

// The stubs say list_directory returns {"content": str}, so the program reads it as that.
const PY_PRELUDE = `
def names(listing, kind="FILE"):
    return [l[len(kind) + 3:] for l in listing["content"].splitlines() if l.startswith(f"[{kind}]")]
`;

/** The tasks. */
export const TASKS: Task[] = [
  {
    name: "python lines per package",
    prompt: "How many lines of Python does each package under src/ have?",
    search: "list directory read multiple files",
    classic: async (call, root) => {
      const out: Record<string, number> = {};
      for (const pkg of PACKAGES) {
        const paths = files(
          text(await call("filesystem", "list_directory", { path: `${root}/src/${pkg}` })),
        )
          .map((f) => `${root}/src/${pkg}/${f}`);
        // Each chunk is "<path>:\n<content>\n": count the newlines of the content.
        out[pkg] = (await readMany(call, paths))
          .reduce(
            (n, chunk) => n + chunk.slice(chunk.indexOf("\n") + 1, -1).split("\n").length - 1,
            0,
          );
      }
      return out;
    },
    program: (root) =>
      PY_PRELUDE + `import asyncio
async def lines(pkg):
    listing = await tools.filesystem.list_directory.aio(path=f"${root}/src/{pkg}")
    texts = await asyncio.gather(*(tools.filesystem.read_text_file.aio(path=f"${root}/src/{pkg}/{n}") for n in names(listing)))
    return pkg, sum(t["content"].count("\\n") for t in texts)
dict(await asyncio.gather(*(lines(p) for p in ${JSON.stringify(PACKAGES)})))`,
  },
  {
    name: "files with a TODO",
    prompt: "Which Python files under src/ contain a TODO?",
    search: "read text file",
    classic: async (call, root) => {
      const found: string[] = [];
      for (const pkg of PACKAGES) {
        const names = files(
          text(await call("filesystem", "list_directory", { path: `${root}/src/${pkg}` })),
        );
        const chunks = await readMany(call, names.map((f) => `${root}/src/${pkg}/${f}`));
        names.forEach((n, i) => chunks[i]?.includes("TODO") && found.push(`${pkg}/${n}`));
      }
      return found.sort();
    },
    program: (root) =>
      PY_PRELUDE + `import asyncio
found = []
for pkg in ${JSON.stringify(PACKAGES)}:
    listing = tools.filesystem.list_directory(path=f"${root}/src/{pkg}")
    ns = names(listing)
    texts = await asyncio.gather(*(tools.filesystem.read_text_file.aio(path=f"${root}/src/{pkg}/{n}") for n in ns))
    found += [f"{pkg}/{n}" for n, t in zip(ns, texts) if "TODO" in t["content"]]
sorted(found)`,
  },
  {
    name: "units sold per region",
    prompt: "How many units were sold per region in 2026 (data/*.csv)?",
    search: "read multiple files",
    classic: async (call, root) => {
      const names = files(
        text(await call("filesystem", "list_directory", { path: `${root}/data` })),
      );
      const totals: Record<string, number> = {};
      for (const chunk of await readMany(call, names.map((n) => `${root}/data/${n}`))) {
        for (const line of chunk.split("\n")) {
          const cells = line.split(",");
          if (cells.length === 5 && /^\d+$/.test(cells[3])) {
            totals[cells[1]] = (totals[cells[1]] ?? 0) + Number(cells[3]);
          }
        }
      }
      return totals;
    },
    program: (root) =>
      PY_PRELUDE + `import csv, io, collections
listing = tools.filesystem.list_directory(path="${root}/data")
totals = collections.Counter()
for n in names(listing):
    for row in csv.DictReader(io.StringIO(tools.filesystem.read_text_file(path=f"${root}/data/{n}")["content"])):
        totals[row["region"]] += int(row["units"])
dict(totals)`,
  },
  {
    name: "public services and dependencies",
    prompt: "Which services (services/*.json) are public, and what do they depend on?",
    search: "read multiple files",
    classic: async (call, root) => {
      const names = files(
        text(await call("filesystem", "list_directory", { path: `${root}/services` })),
      );
      const out: Record<string, string[]> = {};
      for (const chunk of await readMany(call, names.map((n) => `${root}/services/${n}`))) {
        const json = chunk.slice(chunk.indexOf("{"));
        const config = JSON.parse(json);
        if (config.public) out[config.service] = config.dependencies;
      }
      return out;
    },
    program: (root) =>
      PY_PRELUDE + `import json
out = {}
for n in names(tools.filesystem.list_directory(path="${root}/services")):
    config = json.loads(tools.filesystem.read_text_file(path=f"${root}/services/{n}")["content"])
    if config["public"]:
        out[config["service"]] = config["dependencies"]
out`,
  },
  {
    name: "packages into the knowledge graph",
    prompt:
      "Record each src/ package in the knowledge graph with its file count, then list the packages with more than 24 files.",
    search: "create entities search nodes list directory",
    classic: async (call, root) => {
      const entities = [];
      for (const pkg of PACKAGES) {
        const count =
          files(text(await call("filesystem", "list_directory", { path: `${root}/src/${pkg}` })))
            .length;
        entities.push({
          name: `pkg-${pkg}`,
          entityType: "package",
          observations: [`files: ${count}`],
        });
      }
      await call("memory", "create_entities", { entities });
      const graph = JSON.parse(text(await call("memory", "search_nodes", { query: "files" })));
      return graph.entities.filter((e: { observations: string[] }) =>
        Number(e.observations[0].split(": ")[1]) > 24
      )
        .map((e: { name: string }) => e.name).sort();
    },
    program: (root) =>
      PY_PRELUDE + `entities = [{"name": f"pkg-{p}", "entityType": "package",
             "observations": [f"files: {len(names(tools.filesystem.list_directory(path=f'${root}/src/{p}')))}"]}
            for p in ${JSON.stringify(PACKAGES)}]
tools.memory.create_entities(entities=entities)
graph = tools.memory.search_nodes(query="files")
sorted(e["name"] for e in graph["entities"] if int(e["observations"][0].split(": ")[1]) > 24)`,
  },
  {
    name: "thirty sums",
    prompt: "Add each of these 30 pairs with get-sum and give the total: (i, 2i) for i = 1..30.",
    search: "sum two numbers",
    classic: async (call) => {
      let total = 0;
      for (let i = 1; i <= 30; i++) {
        total += Number(
          /(-?\d+(?:\.\d+)?)\D*$/.exec(
            text(await call("everything", "get-sum", { a: i, b: 2 * i })),
          )?.[1],
        );
      }
      return total;
    },
    program: () =>
      `import asyncio, re
results = await asyncio.gather(*(tools.server_everything.get_sum.aio(a=i, b=2 * i) for i in range(1, 31)))
sum(float(re.findall(r"-?\\d+(?:\\.\\d+)?", str(r))[-1]) for r in results)`,
  },
  {
    name: "five largest docs",
    prompt: "Which are the five largest files in docs/?",
    search: "list directory with sizes",
    classic: async (call, root) => {
      const listing = text(
        await call("filesystem", "list_directory_with_sizes", {
          path: `${root}/docs`,
          sortBy: "size",
        }),
      );
      return listing.split("\n").filter((l) => l.startsWith("[FILE]")).slice(0, 5).map((l) =>
        l.slice(7).trim().split(/\s+/)[0]
      );
    },
    program: (root) =>
      `listing = tools.filesystem.list_directory_with_sizes(path="${root}/docs", sortBy="size")
[l[7:].split()[0] for l in listing["content"].splitlines() if l.startswith("[FILE]")][:5]`,
  },
  {
    name: "archive the drafts",
    prompt: "Move every draft note in docs/ into docs/archive/ and say how many moved.",
    search: "move file create directory",
    classic: async (call, root) => {
      const drafts = files(
        text(await call("filesystem", "list_directory", { path: `${root}/docs` })),
      )
        .filter((n) => n.startsWith("draft_"));
      await call("filesystem", "create_directory", { path: `${root}/docs/archive` });
      for (const n of drafts) {
        await call("filesystem", "move_file", {
          source: `${root}/docs/${n}`,
          destination: `${root}/docs/archive/${n}`,
        });
      }
      return drafts.length;
    },
    program: (root) =>
      PY_PRELUDE +
      `drafts = [n for n in names(tools.filesystem.list_directory(path="${root}/docs")) if n.startswith("draft_")]
tools.filesystem.create_directory(path="${root}/docs/archive")
for n in drafts:
    tools.filesystem.move_file(source=f"${root}/docs/{n}", destination=f"${root}/docs/archive/{n}")
len(drafts)`,
  },
];
