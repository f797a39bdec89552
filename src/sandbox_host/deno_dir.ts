/**
 * The Deno data folder (`DENO_DIR`) of the sandbox children that run agent code.
 *
 * Deno writes to its data folder on behalf of code that has no permission at all: origin storage
 * (localStorage and the Cache API, also from inside a Worker) under `location_data/`, transpiled
 * modules (TypeScript imported from a `data:` or `blob:` URL) under `gen/`, and module analysis and
 * compiled code in SQLite caches. So a child gets a folder of its own in which every such place is
 * taken by an entry of the wrong kind — a file where Deno wants a folder, a folder where it wants a
 * database — and every such write fails (root included). Nothing a run does lands on disk or
 * outlives it. The npm packages a child imports come from a link to the host's npm cache, which it
 * only reads (children run `--cached-only`).
 */

/** Places Deno creates as folders: taken by empty files. */
const FOLDERS_AS_FILES = ["location_data", "gen", "remote", "registries", "node_compat_bin"];
/** Deno's SQLite caches: taken by folders, so Deno falls back to memory. */
const DATABASES_AS_FOLDERS = [
  "check_cache_v2",
  "dep_analysis_cache_v2",
  "fast_check_cache_v2",
  "fmt_incremental_cache_v2",
  "lint_incremental_cache_v2",
  "node_analysis_cache_v2",
  "v8_code_cache_v2",
];

const prepared = new Set<string>();

/**
 * The children's Deno folder under `cacheDir`, prepared on first use and again whenever it was
 * removed since (idempotent, safe when several hosts share the cache). Throws with a sentence
 * naming the folder when it cannot be prepared.
 */
export function sandboxDenoDir(cacheDir: string): string {
  const dir = `${cacheDir}/sandbox-deno`;
  if (prepared.has(dir) && isFile(`${dir}/location_data`)) return dir;
  try {
    Deno.mkdirSync(dir, { recursive: true });
    for (const name of FOLDERS_AS_FILES) ensureKind(`${dir}/${name}`, "file");
    for (const name of DATABASES_AS_FOLDERS) ensureKind(`${dir}/${name}`, "directory");
    const npm = hostNpmCache();
    if (npm && !Deno.build.standalone) ensureLink(`${dir}/npm`, npm);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `The sandbox's Deno folder ${dir} cannot be prepared (${reason}); ` +
        "check that the cache folder is writable, or delete it so that it is made again.",
    );
  }
  prepared.add(dir);
  return dir;
}

/** The host's Deno data folder (where its npm cache is), when Deno resolves npm packages there. */
export function hostDenoDir(): string | undefined {
  const npm = hostNpmCache();
  return npm?.slice(0, npm.lastIndexOf("/"));
}

/** `<DENO_DIR>/npm`, found from where Deno resolves the pinned `pyodide` package. */
function hostNpmCache(): string | undefined {
  let url: URL;
  try {
    url = new URL(import.meta.resolve("pyodide"));
  } catch {
    return undefined;
  }
  if (url.protocol !== "file:") return undefined;
  // <DENO_DIR>/npm/<registry host>/pyodide/<version>/pyodide.mjs
  const parts = decodeURIComponent(url.pathname).split("/");
  return parts.at(-5) === "npm" ? parts.slice(0, -4).join("/") : undefined;
}

function isFile(path: string): boolean {
  try {
    return Deno.lstatSync(path).isFile;
  } catch {
    return false;
  }
}

function ensureKind(path: string, kind: "file" | "directory"): void {
  let info: Deno.FileInfo | undefined;
  try {
    info = Deno.lstatSync(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  if (info && (kind === "file" ? info.isFile : info.isDirectory)) return;
  if (info) Deno.removeSync(path, { recursive: true });
  try {
    if (kind === "file") Deno.writeFileSync(path, new Uint8Array(0), { createNew: true });
    else Deno.mkdirSync(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.AlreadyExists)) throw error; // another host made it
  }
}

/**
 * Points `link` at `target`. `Deno.symlink` needs unscoped read and write permissions, which the
 * host does not have; it starts `ln` instead (it may start processes). The link is made under a
 * temporary name and renamed over, so a concurrent child never sees it missing.
 */
function ensureLink(link: string, target: string): void {
  try {
    if (Deno.readLinkSync(link) === target) return;
  } catch {
    // missing, or not a link
  }
  const temporary = `${link}.${crypto.randomUUID()}`;
  const made = new Deno.Command("ln", { args: ["-s", target, temporary], stderr: "piped" })
    .outputSync();
  if (!made.success) {
    throw new Error(`ln -s ${target} failed: ${new TextDecoder().decode(made.stderr).trim()}`);
  }
  try {
    if (Deno.lstatSync(link).isDirectory) Deno.removeSync(link, { recursive: true });
  } catch {
    // nothing there yet
  }
  Deno.renameSync(temporary, link);
}
