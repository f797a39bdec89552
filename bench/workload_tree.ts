/**
 * The bench workload's data: a deterministic tree of 240 files (source files with TODO notes,
 * CSV sales data, JSON service configs, markdown drafts) for the filesystem upstream.
 */

/** What the tree holds, for checking answers. */
export interface TreeFacts {
  files: number;
  todoFiles: number;
  pyLines: number;
  salesRows: number;
}

/** A small deterministic pseudo-random generator (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = [
  "alpha",
  "beta",
  "gamma",
  "delta",
  "omega",
  "sigma",
  "kappa",
  "lambda",
  "theta",
  "zeta",
];
const REGIONS = ["north", "south", "east", "west"];

/** Writes the tree under `root` and returns facts about it. */
export async function writeTree(root: string): Promise<TreeFacts> {
  const rand = random(42);
  const pick = <T>(items: T[]) => items[Math.floor(rand() * items.length)];
  let files = 0;
  let todoFiles = 0;
  let pyLines = 0;
  const write = async (path: string, text: string) => {
    await Deno.mkdir(`${root}/${path.split("/").slice(0, -1).join("/")}`, { recursive: true });
    await Deno.writeTextFile(`${root}/${path}`, text);
    files++;
  };
  for (const pkg of ["core", "api", "cli", "jobs", "utils", "models"]) {
    for (let i = 0; i < 25; i++) {
      const lines: string[] = [`"""Module ${pkg}.${pick(WORDS)}_${i}."""`, "import json", ""];
      const functions = 2 + Math.floor(rand() * 5);
      let todo = false;
      for (let f = 0; f < functions; f++) {
        lines.push(`def ${pick(WORDS)}_${f}(value):`);
        if (rand() < 0.08) {
          lines.push(`    # TODO: handle ${pick(WORDS)} values`);
          todo = true;
        }
        lines.push(`    return json.dumps({"${pick(WORDS)}": value * ${f + 1}})`, "");
      }
      if (todo) todoFiles++;
      pyLines += lines.length;
      await write(`src/${pkg}/${pick(WORDS)}_${i}.py`, lines.join("\n") + "\n");
    }
  }
  const header = "date,region,product,units,price";
  let salesRows = 0;
  for (let month = 1; month <= 12; month++) {
    const rows = [header];
    for (let r = 0; r < 60; r++) {
      const day = String(1 + Math.floor(rand() * 28)).padStart(2, "0");
      rows.push(
        `2026-${String(month).padStart(2, "0")}-${day},${pick(REGIONS)},${pick(WORDS)},${
          1 + Math.floor(rand() * 20)
        },${(5 + rand() * 95).toFixed(2)}`,
      );
      salesRows++;
    }
    await write(`data/sales_2026_${String(month).padStart(2, "0")}.csv`, rows.join("\n") + "\n");
  }
  for (let i = 0; i < 40; i++) {
    const config = {
      service: `${pick(WORDS)}-${i}`,
      owner: `team-${pick(WORDS)}`,
      replicas: 1 + Math.floor(rand() * 6),
      region: pick(REGIONS),
      public: rand() < 0.3,
      dependencies: Array.from({ length: 1 + Math.floor(rand() * 4) }, () => `${pick(WORDS)}-svc`),
    };
    await write(
      `services/service_${String(i).padStart(2, "0")}.json`,
      JSON.stringify(config, null, 2) + "\n",
    );
  }
  for (let i = 0; i < 38; i++) {
    const draft = rand() < 0.3 ? "draft_" : "";
    const body = Array.from({ length: 20 }, () => `${pick(WORDS)} ${pick(WORDS)} ${pick(WORDS)}.`)
      .join(" ");
    await write(`docs/${draft}note_${String(i).padStart(2, "0")}.md`, `# Note ${i}\n\n${body}\n`);
  }
  return { files, todoFiles, pyLines, salesRows };
}
