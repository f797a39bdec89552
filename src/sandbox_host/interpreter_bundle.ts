/**
 * The interpreter's code for worker isolation: `sandbox/interpreter_worker.ts` and everything it
 * imports (Pyodide's JavaScript, the runner's Python sources) bundled into one JavaScript module
 * by `deno bundle`, once per host process. The sandbox child receives it after the snapshot and
 * starts each interpreter's Worker from it (a Worker's own modules would need read permission).
 */
import { projectPath } from "./paths.ts";

/** The bundle's bytes, or why it could not be made. */
export type BundleResult = { ok: true; bytes: Uint8Array } | { ok: false; message: string };

const ENTRY = "sandbox/interpreter_worker.ts";
let building: Promise<BundleResult> | undefined;

/** Bundles the interpreter's code (once; later calls share the result); never throws. */
export function ensureInterpreterBundle(): Promise<BundleResult> {
  building ??= bundle().catch((error) => ({
    ok: false as const,
    message: `Bundling ${ENTRY} for worker isolation failed: ${error}`,
  }));
  return building;
}

async function bundle(): Promise<BundleResult> {
  if (Deno.build.standalone) {
    return {
      ok: false,
      message: 'isolation "worker" needs the deno CLI (the single binary cannot bundle); ' +
        'use isolation "process".',
    };
  }
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "bundle",
      "--quiet",
      "--platform=browser",
      "--minify",
      "--unstable-raw-imports",
      `--config=${projectPath("deno.json")}`,
      projectPath(ENTRY),
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!output.success || output.stdout.length === 0) {
    const detail = new TextDecoder().decode(output.stderr).trim().split("\n").slice(-5).join("\n");
    building = undefined; // a later start may try again
    return {
      ok: false,
      message:
        `Bundling ${ENTRY} for worker isolation failed (exit code ${output.code}): ${detail}`,
    };
  }
  return { ok: true, bytes: output.stdout };
}
