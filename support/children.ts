/**
 * Test and bench support: a real sandbox child spawned straight from the host's parts (the cached
 * snapshot, and in worker isolation the interpreter's bundle), for tests below the executor.
 */
import { SandboxConfigSchema } from "../src/config.ts";
import { SandboxChild, type SpawnOptions } from "../src/sandbox_host/child.ts";
import { ensureInterpreterBundle } from "../src/sandbox_host/interpreter_bundle.ts";
import { emptyDir, ensureSnapshot } from "../src/sandbox_host/snapshot.ts";

/** Spawns a child with the `sandbox` settings `settings`; throws when its parts cannot be had. */
export async function spawnChild(
  settings: Record<string, unknown> = {},
  options: Pick<SpawnOptions, "measureStart"> = {},
): Promise<SandboxChild> {
  const config = SandboxConfigSchema.parse(settings);
  const snapshot = await ensureSnapshot(config);
  if (!snapshot.ok) throw new Error(snapshot.message);
  const bundle = config.isolation === "worker" ? await ensureInterpreterBundle() : undefined;
  if (bundle && !bundle.ok) throw new Error(bundle.message);
  return SandboxChild.spawn({
    config,
    snapshot: snapshot.bytes,
    cwd: await emptyDir(config),
    ...options,
    ...(bundle ? { bundle: bundle.bytes } : {}),
  });
}
