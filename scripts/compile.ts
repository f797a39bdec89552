/**
 * `deno task compile`: builds the single binary `dist/mcp-code-mode`. It prepares the Pyodide
 * memory snapshot first and embeds it (with the sandbox, Pyodide and every module) so the binary
 * needs no project folder and no download. The binary starts its sandbox children as copies of
 * itself in sandbox mode, which revokes every permission before loading anything
 * (`binary.ts`).
 *
 * `deno compile` needs Deno's runtime binary (denort): from `DENORT_BIN`, from Deno's cache, or
 * downloaded from Deno's release host. Without any of them this fails with a message that says so.
 */
import { SandboxConfigSchema } from "../src/config.ts";
import { EMBEDDED_SNAPSHOT } from "../src/sandbox_host/paths.ts";
import { ensureSnapshot, SNAPSHOT_SOURCES } from "../src/sandbox_host/snapshot.ts";
import { taskFlags } from "./task_flags.ts";

const root = decodeURIComponent(new URL("../", import.meta.url).pathname);
/** Where the binary is written (relative to the project). */
export const OUTPUT = "dist/mcp-code-mode";

/** Permissions baked into the binary, those of `deno task start` (its sandbox children revoke all). */
const PERMISSIONS = taskFlags("start").filter((flag) => flag.startsWith("--allow-"));
/** Files read at run time rather than imported; modules reached by import are embedded anyway. */
const INCLUDE = [EMBEDDED_SNAPSHOT, "deno.json", "sandbox/worker.ts", ...SNAPSHOT_SOURCES];

/** The runtime `deno compile` will use, or undefined when it would have to download one. */
export async function findRuntime(): Promise<string | undefined> {
  const fromEnv = Deno.env.get("DENORT_BIN");
  if (fromEnv && await exists(fromEnv)) return fromEnv;
  const info = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json"],
    stdout: "piped",
    stderr: "null",
  }).output();
  const denoDir = Deno.env.get("DENO_DIR") ||
    (info.success ? JSON.parse(new TextDecoder().decode(info.stdout)).denoDir : undefined);
  if (!denoDir) return undefined;
  const cached = `${denoDir}/dl/release/v${Deno.version.deno}/denort-${Deno.build.target}.zip`;
  return await exists(cached) ? cached : undefined;
}

/** Builds the binary; resolves to an exit code. */
async function main(): Promise<number> {
  const snapshot = await ensureSnapshot(SandboxConfigSchema.parse({}));
  if (!snapshot.ok) {
    console.error(snapshot.message);
    return 1;
  }
  await Deno.mkdir(`${root}build`, { recursive: true });
  await Deno.writeFile(`${root}${EMBEDDED_SNAPSHOT}`, snapshot.bytes);
  await Deno.mkdir(`${root}dist`, { recursive: true });
  const args = [
    "compile",
    "--no-prompt",
    "--unstable-raw-imports",
    ...PERMISSIONS,
    ...INCLUDE.flatMap((path) => ["--include", path]),
    "--exclude-unused-npm",
    // A node_modules folder may hold Deno itself (npm's "deno" package): never embed it.
    ...(await exists(`${root}node_modules`)
      ? ["--exclude", "node_modules/deno", "--exclude", "node_modules/@deno"]
      : []),
    "--output",
    OUTPUT,
    "binary.ts",
  ];
  const runtime = await findRuntime();
  console.error(`deno ${args.join(" ")}`);
  const result = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: root,
    stdin: "null",
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (!result.success) {
    console.error(
      runtime ? `deno compile failed (runtime ${runtime}).` : "deno compile failed. It needs " +
        "Deno's runtime (denort) for this version: it downloads it from Deno's release host, " +
        "or uses DENORT_BIN=/path/to/denort, or the copy in Deno's cache (dl/release/…). " +
        "Make one of them available and run deno task compile again.",
    );
    return result.code || 1;
  }
  const { size } = await Deno.stat(`${root}${OUTPUT}`);
  console.error(`Built ${OUTPUT} (${(size / 1024 / 1024).toFixed(0)} MB).`);
  return 0;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

if (import.meta.main) Deno.exit(await main());
