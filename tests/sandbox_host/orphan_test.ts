/**
 * A sandbox child outlives no host. After its `done` a process-isolation child waits for the host
 * to kill it (so that its exit does not compete with the host reading `done`); a worker-isolation
 * child goes on to its next interpreter. Either way, when the host dies right after the run
 * (SIGKILL, so it kills nothing), the child must end on its own, well before the process-mode
 * child's 10 s wait would run out.
 */
import assert from "node:assert/strict";
import { waitForExit } from "../../support/processes.ts";
import { root } from "../../support/server.ts";

/** A host that runs `print(1)` in one child, prints the child's pid, and SIGKILLs itself. */
function hostScript(isolation: string): string {
  const src = (path: string) => JSON.stringify(`file://${root}${path}`);
  return `
import { SandboxConfigSchema } from ${src("src/config.ts")};
import { SandboxChild } from ${src("src/sandbox_host/child.ts")};
import { ensureInterpreterBundle } from ${src("src/sandbox_host/interpreter_bundle.ts")};
import { emptyDir, ensureSnapshot } from ${src("src/sandbox_host/snapshot.ts")};
const config = SandboxConfigSchema.parse({ isolation: ${JSON.stringify(isolation)} });
const snapshot = await ensureSnapshot(config);
if (!snapshot.ok) throw new Error(snapshot.message);
const bundle = config.isolation === "worker" ? await ensureInterpreterBundle() : undefined;
if (bundle && !bundle.ok) throw new Error(bundle.message);
const child = SandboxChild.spawn({
  config, snapshot: snapshot.bytes, cwd: await emptyDir(config), ...(bundle ? { bundle: bundle.bytes } : {}),
});
if (!(await child.ready).ok) throw new Error("not ready");
await new Promise((resolve) => {
  child.onEvent((e) => e.kind === "message" && e.message.type === "done" && resolve(undefined));
  child.send({ type: "run", id: "r", code: "print(1)", policy: null });
});
console.log(child.pid);
Deno.kill(Deno.pid, "SIGKILL");`;
}

for (const isolation of ["process", "worker"]) {
  Deno.test(`a child ends when its host dies right after a run (isolation ${isolation})`, async () => {
    const host = new Deno.Command(Deno.execPath(), {
      args: ["eval", "--unstable-raw-imports", hostScript(isolation)],
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const { stdout, stderr } = await host.output();
    const pid = Number(new TextDecoder().decode(stdout).trim());
    assert.ok(pid > 0, `the host printed no child pid: ${new TextDecoder().decode(stderr)}`);
    assert.ok(await waitForExit(pid, 5000), `child ${pid} outlived its host`);
  });
}
