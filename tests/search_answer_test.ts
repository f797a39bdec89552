/**
 * Compact, grouped search answers over the real filesystem and memory servers: one header per
 * server, one line per tool, at most 18 o200k tokens per tool line on average for the whole
 * filesystem server at detail "signatures", deprecated tools last and marked, detail "names" one
 * line per server.
 */
import assert from "node:assert/strict";
import { countTokens } from "gpt-tokenizer";
import { ConfigSchema } from "../src/config.ts";
import { Broker } from "../src/broker/broker.ts";
import { searchTools } from "../src/broker/search.ts";
import { renderResults } from "../src/formatting/tool_index.ts";
import { allUpstreams } from "../support/upstreams.ts";

const dir = Deno.makeTempDirSync({ prefix: "mcp-search-" });

Deno.test({
  name: "search answers: grouped, compact lines, deprecated last",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const { filesystem, memory } = allUpstreams(dir);
    const broker = await Broker.start(
      ConfigSchema.parse({ servers: { filesystem, memory } }).servers,
    );
    const search = (
      query: string,
      detail: "names" | "signatures" | "full",
      limit = 10,
      server?: string,
    ) => renderResults(searchTools(broker.entries, query, { limit, server }), detail);
    try {
      await t.step("every filesystem tool at signatures: ≤ 18 tokens a line on average", () => {
        const text = search("", "signatures", 100, "filesystem");
        const [header, ...lines] = text.split("\n");
        const tools = broker.entries.filter((e) => e.ref.server === "filesystem");
        assert.equal(lines.length, tools.length, text);
        assert.equal(header, '# tools.filesystem (returns {"content": str} unless shown)');
        const average = lines.reduce((n, l) => n + countTokens(l), 0) / lines.length;
        assert.ok(average <= 18, `${average.toFixed(2)} tokens a line on average:\n${text}`);
        assert.match(lines.at(-1)!, /^read_file\(path: str.*# deprecated: use read_text_file/);
        assert.match(text, /\nread_media_file\(path: str\) -> \{"content": list\[/);
        assert.match(text, /\nread_text_file\(path: str, tail: float=None, head: float=None\)/);
      });

      await t.step("one header per server, in the order of the best match", () => {
        const text = search("list directory read file", "signatures");
        const headers = text.split("\n").filter((l) => l.startsWith("#"));
        assert.deepEqual(headers.map((h) => h.split(" ")[1]), ["tools.filesystem", "tools.memory"]);
        assert.equal(text.split("\n").length, 10 + headers.length);
        assert.match(
          text,
          /\nread_graph\(\) -> \{"entities": list\[dict\], "relations": list\[dict\]\}/,
        );
      });

      await t.step("deprecated tools rank after every other match", () => {
        const found = searchTools(broker.entries, "read file", { limit: 20 }).map((e) =>
          e.ref.tool
        );
        assert.equal(found.at(-1), "read_file", found.join());
        assert.ok(found.includes("read_text_file"));
      });

      await t.step("names: one line per server, names only", () => {
        const text = search("", "names", 100);
        const lines = text.split("\n");
        assert.equal(lines.length, 2);
        assert.match(lines[0], /^tools\.filesystem: create_directory directory_tree /);
        assert.match(lines[0], / read_file\(deprecated\)$/);
        const names = broker.entries.map((e) => e.ref.py_name).join(" ");
        assert.ok(countTokens(text) <= countTokens(names) + 20, `${countTokens(text)} tokens`);
      });
    } finally {
      await broker.close();
    }
  },
});
