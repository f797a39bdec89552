/**
 * The Pyodide memory snapshot every sandbox child starts from: built once by a child in
 * `--make-snapshot` mode, cached on disk under a key of everything it depends on, read once per
 * host process.
 */
import type { SandboxConfig } from "../config.ts";
import { log } from "../log.ts";
import { sandboxDenoDir } from "./deno_dir.ts";
import { cacheDir, childCommand, EMBEDDED_SNAPSHOT, projectPath } from "./paths.ts";

const building = new Map<string, Promise<SnapshotResult>>();

/** The snapshot's bytes, or why it could not be had. */
export type SnapshotResult = { ok: true; bytes: Uint8Array; path: string } | {
  ok: false;
  message: string;
};

/** Returns the cached snapshot, building it first when missing; never throws. */
export function ensureSnapshot(config: SandboxConfig): Promise<SnapshotResult> {
  const dir = cacheDir(config);
  let pending = building.get(dir);
  if (!pending) {
    pending = loadOrBuild(config, dir).catch((error) => ({
      ok: false as const,
      message: `The Pyodide snapshot could not be prepared in ${dir}: ${errorText(error)}`,
    }));
    building.set(dir, pending);
    pending.then((r) => r.ok || building.delete(dir));
  }
  return pending;
}

async function loadOrBuild(config: SandboxConfig, dir: string): Promise<SnapshotResult> {
  if (Deno.build.standalone && !config.cache_dir) {
    // The binary carries the snapshot its own build made (see scripts/compile.ts).
    const path = projectPath(EMBEDDED_SNAPSHOT);
    try {
      return { ok: true, bytes: await Deno.readFile(path), path };
    } catch {
      log("warn", `The binary has no embedded snapshot (${path}); building one in ${dir}.`);
    }
  }
  const key = await snapshotKey();
  const path = `${dir}/pyodide-snapshot-${key}.bin`;
  try {
    return { ok: true, bytes: await Deno.readFile(path), path };
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  await Deno.mkdir(dir, { recursive: true });
  log("info", "Preparing the Python sandbox (one-time Pyodide snapshot, about 5-10 s)…");
  const started = performance.now();
  const command = childCommand(config, "snapshot");
  const output = await new Deno.Command(command.path, {
    args: command.args,
    clearEnv: true,
    env: command.env,
    cwd: command.cwd ?? await emptyDir(config),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!output.success || output.stdout.length < 1024 * 1024) {
    const detail = new TextDecoder().decode(output.stderr).trim().split("\n").slice(-5).join("\n");
    return {
      ok: false,
      message: `Building the Pyodide snapshot failed (exit code ${output.code}): ${detail}`,
    };
  }
  const temporary = `${path}.${crypto.randomUUID()}.tmp`;
  await Deno.writeFile(temporary, output.stdout);
  await Deno.rename(temporary, path);
  await removeStale(dir, path);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  log("info", `Python sandbox ready (snapshot built in ${seconds} s, cached at ${path}).`);
  return { ok: true, bytes: output.stdout, path };
}

/** An empty directory used as the children's working directory (they cannot write to it). */
export async function emptyDir(config: SandboxConfig): Promise<string> {
  const dir = `${cacheDir(config)}/empty`;
  await Deno.mkdir(dir, { recursive: true });
  sandboxDenoDir(cacheDir(config)); // made here, so that a failure is reported at start
  return dir;
}

/** The files a snapshot depends on (its cache key; the binary embeds them too). */
export const SNAPSHOT_SOURCES = [
  "sandbox/runner.py",
  "sandbox/tools.py",
  "sandbox/policy.py",
  "sandbox/policy_literals.py",
  "sandbox/policy_report.py",
  "sandbox/skills.py",
  "sandbox/pyodide_loader.ts",
  "sandbox/pyodide_env.ts",
  "sandbox/warm_up.ts",
  // What the snapshot builder runs besides: its entry, the program runner, the output capture.
  "sandbox/worker.ts",
  "sandbox/assets.ts",
  "sandbox/program.ts",
  "sandbox/output_capture.ts",
  "sandbox/primordials.ts",
];

async function snapshotKey(): Promise<string> {
  const imports = JSON.parse(await Deno.readTextFile(projectPath("deno.json"))).imports ?? {};
  const parts = [Deno.version.deno, String(imports.pyodide)];
  for (const file of SNAPSHOT_SOURCES) parts.push(await Deno.readTextFile(projectPath(file)));
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(parts.join("\0")));
  return Array.from(new Uint8Array(digest).slice(0, 8), (b) => b.toString(16).padStart(2, "0"))
    .join("");
}

async function removeStale(dir: string, keep: string): Promise<void> {
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir}/${entry.name}`;
    if (
      entry.name.startsWith("pyodide-snapshot-") && path !== keep && !entry.name.endsWith(".tmp")
    ) {
      await Deno.remove(path).catch(() => {});
    }
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
