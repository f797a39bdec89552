/**
 * Where the sandbox's files are, and the exact command line of a sandbox child: `deno run` of
 * `sandbox/worker.ts` with no permission flag, or, inside the single binary, the binary itself in
 * sandbox mode (it revokes every permission first, see `sandbox/revoke.ts`); its environment
 * (a Deno data folder of its own where nothing can be written, no WebGPU) and its working
 * directory (`/`, which tells it nothing).
 */
import { SANDBOX_FLAG } from "../relay/sandbox_flag.ts";
import type { SandboxConfig } from "../config.ts";
import { hostDenoDir, sandboxDenoDir } from "./deno_dir.ts";

const PROJECT_ROOT = new URL("../../", import.meta.url);

/** Absolute path of a file inside the project. */
export function projectPath(relative: string): string {
  return decodeURIComponent(new URL(relative, PROJECT_ROOT).pathname);
}

/** Where `deno task compile` puts the snapshot it embeds in the binary (relative to the project). */
export const EMBEDDED_SNAPSHOT = "build/pyodide-snapshot.bin";

/** The cache directory (the snapshot, the children's Deno data folder). */
export function cacheDir(config: SandboxConfig): string {
  if (config.cache_dir) return config.cache_dir;
  // The binary's own files are read-only: use a real directory outside it.
  return Deno.build.standalone ? `${tempRoot()}/mcp-code-mode` : projectPath(".cache");
}

/** How to start a sandbox child: program, arguments, its whole environment and its cwd. */
export interface ChildCommand {
  path: string;
  args: string[];
  env: Record<string, string>;
  /** Working directory (default: the caller's choice). */
  cwd?: string;
}

/** The command of a sandbox child (or of the snapshot builder). */
export function childCommand(config: SandboxConfig, mode: "run" | "snapshot"): ChildCommand {
  const env = childEnv(config, mode);
  if (!Deno.build.standalone) {
    return { path: Deno.execPath(), args: childArgs(config, mode), env, cwd: "/" };
  }
  const pages = Math.floor((config.memory_mb * 1024 * 1024) / 65536);
  return {
    path: Deno.execPath(),
    args: [SANDBOX_FLAG, ...(mode === "snapshot" ? ["--make-snapshot"] : [])],
    // A compiled binary takes no `deno run` flags; V8 reads its flags from the environment.
    env: { ...env, DENO_V8_FLAGS: v8Flags(config, pages).join(","), DENO_NO_PROMPT: "1" },
    cwd: "/",
  };
}

/** glibc's allocator settings for a worker-isolation child (see {@link childEnv}). */
const WORKER_MALLOC = { MALLOC_ARENA_MAX: "2", MALLOC_MMAP_THRESHOLD_: String(4 * 1024 * 1024) };

/**
 * A child's whole environment. One that runs agent code gets a Deno data folder in which nothing
 * can be written (see `deno_dir.ts`), no transpile cache and no WebGPU adapter (no native GPU
 * driver is loaded). The snapshot builder, which runs only our code and may download the pinned
 * packages on a fresh machine, uses the host's Deno folder.
 */
function childEnv(config: SandboxConfig, mode: "run" | "snapshot"): Record<string, string> {
  if (mode === "snapshot") {
    const denoDir = hostDenoDir();
    return denoDir ? { DENO_DIR: denoDir } : {};
  }
  return {
    DENO_DIR: sandboxDenoDir(cacheDir(config)),
    DENO_EMIT_CACHE_MODE: "disable",
    DENO_WEBGPU_BACKEND: "none",
    // Each Worker is a new thread, and glibc gives threads malloc arenas of their own that keep
    // what ended Workers freed: measured, resident memory grew from ~190 to ~265 MB over 40
    // interpreters in some runs; with two arenas it stays at ~175-185 MB, at the same speed. Each
    // Worker gets a copy of the 30 MB snapshot, freed once restored: a fixed mmap threshold gives
    // such blocks back to the system (glibc would raise its threshold and keep them: ~205 MB).
    ...(config.isolation === "worker" ? WORKER_MALLOC : {}),
  };
}

/** Deno arguments of a sandbox child: no `--allow-*` flag at all. */
export function childArgs(config: SandboxConfig, mode: "run" | "snapshot"): string[] {
  const pages = Math.floor((config.memory_mb * 1024 * 1024) / 65536);
  return [
    "run",
    "--no-prompt",
    "--quiet",
    "--unstable-raw-imports",
    `--config=${projectPath("deno.json")}`,
    // The snapshot builder runs only our code and may fetch the pinned packages on a fresh
    // machine; children that run agent code never download anything, and keep no code cache.
    ...(mode === "run" ? ["--cached-only", "--no-code-cache"] : []),
    `--v8-flags=${v8Flags(config, pages).join(",")}`,
    projectPath("sandbox/worker.ts"),
    ...(mode === "snapshot" ? ["--make-snapshot"] : []),
  ];
}

function tempRoot(): string {
  try {
    return Deno.env.get("TMPDIR") || "/tmp";
  } catch {
    return "/tmp";
  }
}

function v8Flags(config: SandboxConfig, pages: number): string[] {
  // A child is short-lived and mostly runs wasm: V8's helper threads (concurrent compilation and
  // marking) cost more CPU than they save (measured: ~50 ms less CPU per child start with
  // --single-threaded, long programs unchanged).
  const flags = [`--wasm-max-mem-pages=${pages}`, "--max-old-space-size=512", "--single-threaded"];
  // A child lives for one short run: V8's baseline wasm compiler alone answers small programs
  // about twice as fast (measured: 7 vs 19 ms in-child for print(1)) at ~15% slower long loops.
  if (!config.wasm_optimizing_compiler) flags.push("--liftoff-only");
  // Worker isolation shares the compiled wasm between interpreters, and V8 compiles a function at
  // its first call: a run could time a function's first call to learn whether an earlier run of
  // its process called it (measured: hashlib's sha3 0.4 ms the first time, 0.04 ms after). So
  // every function is compiled up front (~260 ms more CPU per child start, ~23 MB more resident).
  if (config.isolation === "worker") flags.push("--no-wasm-lazy-compilation");
  return flags;
}
