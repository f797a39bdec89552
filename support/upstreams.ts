/**
 * Test support: configurations of real upstream MCP servers from npm (pinned), run offline by Deno
 * with permissions limited to a temporary folder.
 */

/** Pinned upstream packages. */
export const PACKAGES = {
  filesystem: "npm:@modelcontextprotocol/server-filesystem@2026.8.31",
  memory: "npm:@modelcontextprotocol/server-memory@2026.8.31",
  everything: "npm:@modelcontextprotocol/server-everything@2026.8.31",
} as const;

/** A stdio server entry for `deno run` of an npm package with scoped permissions. */
export function denoServer(
  pkg: string,
  options: {
    dir?: string;
    args?: string[];
    env?: Record<string, string>;
    extra?: Record<string, unknown>;
  } = {},
): Record<string, unknown> {
  const scope = options.dir ? [`--allow-read=${options.dir}`, `--allow-write=${options.dir}`] : [];
  return {
    command: Deno.execPath(),
    args: ["run", "--quiet", "--no-prompt", ...scope, "--allow-env", pkg, ...(options.args ?? [])],
    ...(options.env ? { env: options.env } : {}),
    ...(options.extra ?? {}),
  };
}

/** filesystem over `dir`, memory with its file in `dir`, everything over stdio. */
export function allUpstreams(dir: string, extra: Record<string, Record<string, unknown>> = {}) {
  return {
    filesystem: denoServer(PACKAGES.filesystem, { dir, args: [dir], extra: extra.filesystem }),
    memory: denoServer(PACKAGES.memory, {
      dir,
      env: { MEMORY_FILE_PATH: `${dir}/memory.jsonl` },
      extra: extra.memory,
    }),
    "server-everything": denoServer(PACKAGES.everything, {
      args: ["stdio"],
      extra: extra["server-everything"],
    }),
  };
}
