/**
 * `search_tools` never hides that there is more: an answer cut at its limit ends with how many
 * tools were left out, per server, and how to get them (a larger limit, or one server); an
 * answer that holds every match says nothing more. Through the real server, over the real
 * filesystem and memory servers.
 */
import assert from "node:assert/strict";
import { startServer } from "../support/server.ts";
import { allUpstreams } from "../support/upstreams.ts";

Deno.test({
  name: "search_tools: an empty query says how many tools are left out and how to list them",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "mcm-search-more-" });
    const { filesystem, memory } = allUpstreams(dir);
    const server = await startServer({
      config: { servers: { filesystem, memory }, sandbox: { pool_size: 0 } },
    });
    const search = async (args: Record<string, unknown>) => {
      const r = await server.client.callTool({ name: "search_tools", arguments: args });
      const structured = r.structuredContent as { results: unknown[]; total: number };
      return { text: (r.content as Array<{ text: string }>)[0].text, ...structured };
    };
    try {
      const first = await search({ query: "" });
      assert.equal(first.results.length, 10);
      const left = first.total - 10;
      assert.ok(left > 0, "more tools than one answer holds");
      const last = first.text.split("\n").at(-1)!;
      assert.match(
        last,
        new RegExp(
          `^\\(${left} more not shown: filesystem \\d+, memory \\d+; pass limit=${first.total}` +
            ` \\(up to 100\\) or server= one of them\\.\\)$`,
        ),
        first.text,
      );
      const counts = [...last.matchAll(/(filesystem|memory) (\d+)/g)].map((m) => Number(m[2]));
      assert.equal(counts.reduce((a, b) => a + b, 0), left);

      const all = await search({ query: "", limit: first.total });
      assert.equal(all.results.length, first.total);
      assert.doesNotMatch(all.text, /more not shown/);

      const one = await search({ query: "", server: "memory" });
      assert.doesNotMatch(one.text, /more not shown/, "memory's tools fit one answer");
      assert.match(one.text, /^# tools\.memory/);

      const none = await search({ query: "zzzyyyxxx" });
      assert.match(
        none.text,
        /^No tool matches; try other words, or search_tools with an empty query/,
      );
    } finally {
      await server.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
