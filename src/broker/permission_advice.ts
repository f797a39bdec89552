/**
 * Deno's advice for a missing permission, as a stdio upstream run by `deno run` reports it
 * ("Requires write access to "/x", run again with the --allow-write flag"), is about the
 * upstream's own command line, not this server's: the flag belongs in `servers.<name>.args`.
 * This rewrites that advice (scoped to what was asked for) so that nobody restarts the wrong
 * command.
 */

/** Deno's wording: `Requires <kind> access to <what>, run again with the --allow-<kind> flag`. */
const REQUIRES =
  /Requires (\w+) access to ("[^"]*"|[^,\s]+)(?:,? run again with the (--allow-[\w-]+) flag)?/g;
/** The advice alone (another wording, or cut off before the `Requires`). */
const RUN_AGAIN = /,? run again with the (--allow-[\w-]+) flag/g;
/** Permissions whose flag takes the path or name that was asked for. */
const SCOPED = new Set(["read", "write", "net", "env", "run", "sys", "ffi", "import"]);
const PATHS = new Set(["read", "write", "ffi"]);

/** Whether `text` reports a missing Deno permission. */
export function isPermissionError(text: string): boolean {
  return /NotCapable|PermissionDenied|Requires \w+ access to|run again with the --allow-/.test(
    text,
  );
}

/** `text` with Deno's advice replaced by where the flag goes for upstream `server`. */
export function permissionAdvice(text: string, server: string): string {
  const where = `servers.${server}.args`;
  const said = text.replace(REQUIRES, (all, kind: string, what: string, flag?: string) => {
    if (!flag) return all;
    const value = what.replace(/^"|"$/g, "");
    const scoped = SCOPED.has(kind) && value ? `${flag}=${value}` : flag;
    const above = PATHS.has(kind) ? " (or a folder above it)" : "";
    return `Requires ${kind} access to ${what}; the upstream "${server}" was started without ` +
      `that permission: add ${scoped}${above} to ${where} in the configuration (the upstream's ` +
      "own flags, before its script), then restart this server";
  });
  return said.replace(
    RUN_AGAIN,
    (_all, flag: string) =>
      `; the upstream "${server}" lacks that permission: add ${flag} to ${where} in the ` +
      "configuration (the upstream's own flags), then restart this server",
  );
}
