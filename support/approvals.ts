/**
 * Test support for approvals: the real filesystem and memory servers with `approve:
 * "destructive"`, and a file-exists check.
 */
import { denoServer, PACKAGES } from "./upstreams.ts";

/**
 * filesystem over `dir` asking before destructive calls, and memory with its file in `dir` asking
 * per `memoryApprove` (destructive calls by default).
 */
export function approvingUpstreams(
  dir: string,
  memoryApprove = "destructive",
): Record<string, Record<string, unknown>> {
  return {
    filesystem: denoServer(PACKAGES.filesystem, {
      dir,
      args: [dir],
      extra: { approve: "destructive" },
    }),
    memory: denoServer(PACKAGES.memory, {
      dir,
      env: { MEMORY_FILE_PATH: `${dir}/memory.jsonl` },
      extra: { approve: memoryApprove },
    }),
  };
}

/** True when `path` exists. */
export async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}
