/**
 * Imported first by `main.ts`, before any module that reads the environment while loading: when
 * the server is started without the permissions it needs (say `deno run main.ts`), it prints one
 * line saying how to start it and exits with 2, instead of a permission error's stack trace.
 */

const NEEDED = ["read", "write", "net", "env", "run"] as const;

const missing = NEEDED.filter((name) => Deno.permissions.querySync({ name }).state !== "granted");
if (missing.length) {
  console.error(
    `mcp-code-mode needs --allow-${missing.join(", --allow-")}: start it with ` +
      "`deno task start` (or `deno task start:http`), see README.md.",
  );
  Deno.exit(2);
}
