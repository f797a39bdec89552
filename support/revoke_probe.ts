/**
 * Test helper run as `deno run -A support/revoke_probe.ts <dir> <port>`: does what the
 * binary's sandbox mode does first (revoke every permission), then tries read, write, net, env,
 * run, ffi, sys and a dynamic import of a file outside the module graph, and prints one JSON
 * object: probe name → the error's name (or "allowed").
 */
import { PERMISSIONS, revokeAllPermissions } from "../sandbox/revoke.ts";

const [dir, port] = Deno.args;
revokeAllPermissions();
const probes: Record<string, () => unknown> = {
  read: () => Deno.readTextFileSync("/etc/passwd"),
  read_dir: () => Array.from(Deno.readDirSync(dir)),
  write: () => Deno.writeTextFileSync(`${dir}/pwned.txt`, "x"),
  net_fetch: () => fetch(`http://127.0.0.1:${port}/`),
  net_connect: () => Deno.connect({ hostname: "127.0.0.1", port: Number(port) }),
  net_listen: () => Deno.listen({ hostname: "127.0.0.1", port: 0 }),
  env: () => Deno.env.get("HOME"),
  env_all: () => Deno.env.toObject(),
  run: () => new Deno.Command("/usr/bin/true").outputSync(),
  ffi: () => Deno.dlopen("libc.so.6", {}),
  sys: () => Deno.hostname(),
  import_file: () => import(["file://", dir, "/module.ts"].join("")),
};
const results: Record<string, string> = {};
for (const [name, probe] of Object.entries(probes)) {
  try {
    await probe();
    results[name] = "allowed";
  } catch (error) {
    results[name] = error instanceof Deno.errors.NotCapable
      ? "NotCapable"
      : `${(error as Error).name}: ${(error as Error).message}`;
  }
}
for (const name of PERMISSIONS) {
  results[`state_${name}`] = Deno.permissions.querySync({ name } as Deno.PermissionDescriptor)
    .state;
}
console.log(JSON.stringify(results));
