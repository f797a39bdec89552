/**
 * Entry of the single binary (`deno task compile`). Started with `--sandbox-child` (the host
 * starts its sandbox children that way, as copies of itself), it revokes every permission and only
 * then loads the sandbox worker; otherwise it is the normal command line (`main.ts`).
 */
import { SANDBOX_FLAG } from "./src/relay/sandbox_flag.ts";
import { revokeAllPermissions } from "./sandbox/revoke.ts";

if (Deno.args[0] === SANDBOX_FLAG) {
  revokeAllPermissions();
  await import("./sandbox/worker.ts");
} else {
  const { main } = await import("./main.ts");
  const outcome = await main();
  if (outcome !== "serving") Deno.exit(outcome);
}
