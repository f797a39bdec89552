/**
 * `deno task bench:tokens`: the token economy part of the bench alone (about a minute): starts the
 * server over the three reference servers and prints both accountings as markdown.
 */
import { startServer } from "../support/server.ts";
import { allUpstreams } from "../support/upstreams.ts";
import { tokenEconomy } from "./token_economy.ts";
import { tokenMarkdown } from "./token_report.ts";

const base = await Deno.makeTempDir({ prefix: "mcp-bench-tokens-" });
const root = `${base}/tree`;
await Deno.mkdir(root);
const upstreams = allUpstreams(root);
const server = await startServer({
  config: { servers: upstreams, sandbox: { pool_size: 2, max_tool_calls: 1000 } },
  env: { OPENAI_API_KEY: "", OPENAI_BASE_URL: "" },
});
try {
  const economy = await tokenEconomy(server, root, upstreams);
  console.log(tokenMarkdown(economy).join("\n"));
} finally {
  await server.close();
  await Deno.remove(base, { recursive: true });
}
