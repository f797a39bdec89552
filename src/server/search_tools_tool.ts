/**
 * The `search_tools` tool: finds upstream tools (and saved skills) for a query and shows them as
 * Python stubs, at the detail asked for, with a line saying how many more matched.
 */
import { z } from "zod";
import type { Broker } from "../broker/broker.ts";
import { rankTools } from "../broker/search.ts";
import { moreLine, renderResults } from "../formatting/tool_index.ts";
import type { McpServer } from "../mcp_sdk.ts";
import type { SkillStore } from "../skills/skill_store.ts";
import { registerCheckedTool, type RegisteredTool } from "./checked_tool.ts";
import { skillMatches } from "./skills_tool.ts";

/** The largest `limit` of one `search_tools` answer. */
const MAX_SEARCH_LIMIT = 100;

/** The input of `search_tools` with its bounds (listed without them). */
const SEARCH_INPUT = z.object({
  query: z.string().max(500).describe("empty lists all"),
  server: z.string().max(200).optional(),
  detail: z.enum(["names", "signatures", "full"]).optional(),
  limit: z.number().int().min(1).max(MAX_SEARCH_LIMIT).optional(),
});

/** Registers `search_tools` on `server`: `broker`'s tools (none when absent) and `skills`. */
export function registerSearchTools(
  server: McpServer,
  options: { broker?: Broker; skills?: SkillStore },
): RegisteredTool {
  const { broker, skills: store } = options;
  return registerCheckedTool(server, "search_tools", {
    title: "Search upstream tools",
    description: "Finds upstream tools; shows Python stubs.",
    input: SEARCH_INPUT,
    annotations: { readOnlyHint: true, openWorldHint: false },
    invalid: (message) => ({ content: [{ type: "text", text: message }], isError: true }),
  }, async ({ query, server: only, detail, limit }) => {
    await store?.refresh();
    const entries = broker?.entries ?? [];
    const matched = rankTools(entries, query, only);
    const found = matched.slice(0, limit ?? 10);
    const results = found.map((e) => ({
      server: e.ref.server,
      tool: e.ref.tool,
      python: `tools.${e.ref.py_server}.${e.ref.py_name}`,
      signature: `${e.ref.py_name}${e.stub.signature}`,
    }));
    const skills = only ? undefined : store && skillMatches(store, query, limit);
    const more = moreLine(matched.slice(found.length), matched.length, MAX_SEARCH_LIMIT);
    const tools = found.length || !skills
      ? [renderResults(found, detail ?? "signatures"), more].filter(Boolean).join("\n")
      : "";
    return {
      content: [{ type: "text", text: [skills?.text, tools].filter(Boolean).join("\n") }],
      structuredContent: {
        results,
        total: entries.length,
        ...(skills ? { skills: skills.found } : {}),
      },
    };
  });
}
