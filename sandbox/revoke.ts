/**
 * Sandbox mode of the single binary. A compiled binary's children inherit the permissions baked
 * into it, so a child started as `mcp-code-mode --sandbox-child` first revokes every permission,
 * before it loads anything else. This module imports nothing.
 */

/** Every permission Deno knows of. */
export const PERMISSIONS = ["read", "write", "net", "env", "run", "ffi", "sys", "import"] as const;

/** Revokes every permission; throws when one is still granted afterwards. */
export function revokeAllPermissions(): void {
  for (const name of PERMISSIONS) {
    Deno.permissions.revokeSync({ name } as Deno.PermissionDescriptor);
  }
  for (const name of PERMISSIONS) {
    const { state } = Deno.permissions.querySync({ name } as Deno.PermissionDescriptor);
    if (state === "granted") throw new Error(`The ${name} permission is still granted`);
  }
}
