/**
 * Test support: the config entry of an upstream MCP server that is one of this folder's scripts,
 * run by this Deno with no permission but the environment.
 */

/** The command and arguments of a config entry that runs the script at `moduleUrl`. */
export function scriptUpstream(
  moduleUrl: string,
  extra: Record<string, unknown> = {},
  args: string[] = [],
): Record<string, unknown> {
  return {
    command: Deno.execPath(),
    args: ["run", "--quiet", "--no-prompt", "--allow-env", new URL(moduleUrl).pathname, ...args],
    ...extra,
  };
}
