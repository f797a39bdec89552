/**
 * Return shapes the model can trust: every tool of the three reference servers (filesystem,
 * memory, everything; real servers from npm) is called with valid arguments through the broker,
 * and what Python receives is compared with what the tool's stub declares — the shape from
 * `outputSchema` in the signature and on the search line, or, without one, the rule help() states
 * (the text parsed as JSON when it is JSON, else str; several items as a list). A tool that needs
 * MCP task-based execution is called too and must fail with the upstream's message until the
 * broker supports tasks.
 */
import assert from "node:assert/strict";
import { ConfigSchema } from "../src/config.ts";
import { Broker, type CatalogEntry } from "../src/broker/broker.ts";
import { mapToolResult } from "../src/broker/result_mapping.ts";
import { UNTYPED_RETURN } from "../src/formatting/python_stub.ts";
import { lineReturn } from "../src/formatting/search_line.ts";
import { mismatch, parseShape } from "../support/shape.ts";
import { allUpstreams } from "../support/upstreams.ts";

const dir = Deno.makeTempDirSync({ prefix: "mcp-shapes-" });
Deno.writeTextFileSync(`${dir}/a.txt`, "alpha\nbeta\n");
Deno.writeTextFileSync(`${dir}/b.json`, '{"x": 1}');
// The smallest valid PNG: read_media_file answers with image content.
Deno.writeFileSync(
  `${dir}/dot.png`,
  Uint8Array.from(
    atob(
      "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
    ),
    (c) => c.charCodeAt(0),
  ),
);

/** Valid arguments for every tool, in the order they are called (later calls use earlier ones). */
const CALLS: Record<string, Array<[string, Record<string, unknown>]>> = {
  filesystem: [
    ["list_allowed_directories", {}],
    ["read_file", { path: `${dir}/a.txt` }],
    ["read_text_file", { path: `${dir}/b.json`, head: 1 }],
    ["read_media_file", { path: `${dir}/dot.png` }],
    ["read_multiple_files", { paths: [`${dir}/a.txt`, `${dir}/b.json`] }],
    ["write_file", { path: `${dir}/new.txt`, content: "one\n" }],
    ["edit_file", { path: `${dir}/new.txt`, edits: [{ oldText: "one", newText: "two" }] }],
    ["create_directory", { path: `${dir}/sub` }],
    ["list_directory", { path: dir }],
    ["list_directory_with_sizes", { path: dir, sortBy: "size" }],
    ["directory_tree", { path: dir }],
    ["move_file", { source: `${dir}/new.txt`, destination: `${dir}/sub/new.txt` }],
    ["search_files", { path: dir, pattern: "*.txt" }],
    ["get_file_info", { path: `${dir}/a.txt` }],
  ],
  memory: [
    ["create_entities", {
      entities: [
        { name: "Ada", entityType: "person", observations: ["wrote programs"] },
        { name: "Bob", entityType: "person", observations: [] },
      ],
    }],
    ["create_relations", { relations: [{ from: "Ada", to: "Bob", relationType: "knows" }] }],
    ["add_observations", { observations: [{ entityName: "Ada", contents: ["liked maths"] }] }],
    ["read_graph", {}],
    ["search_nodes", { query: "Ada" }],
    ["open_nodes", { names: ["Ada", "Bob"] }],
    ["delete_observations", { deletions: [{ entityName: "Ada", observations: ["liked maths"] }] }],
    ["delete_relations", { relations: [{ from: "Ada", to: "Bob", relationType: "knows" }] }],
    ["delete_entities", { entityNames: ["Bob"] }],
  ],
  "server-everything": [
    ["echo", { message: "hi" }],
    ["get-sum", { a: 2, b: 3 }],
    ["get-env", {}],
    ["get-tiny-image", {}],
    ["get-annotated-message", { messageType: "success", includeImage: true }],
    ["get-resource-links", { count: 2 }],
    ["get-resource-reference", { resourceType: "Text", resourceId: 1 }],
    ["get-structured-content", { location: "Chicago" }],
    ["gzip-file-as-resource", {
      name: "hi.gz",
      data: "data:text/plain;base64,aGVsbG8=",
      outputType: "resource",
    }],
    ["toggle-simulated-logging", {}],
    ["toggle-simulated-logging", {}],
    ["toggle-subscriber-updates", {}],
    ["toggle-subscriber-updates", {}],
    ["trigger-long-running-operation", { duration: 0.2, steps: 1 }],
    ["simulate-research-query", { topic: "shapes" }],
  ],
};

/**
 * Where a value departs from what help() promises for a tool without an outputSchema: one text item
 * as parsed JSON when it is JSON, else str; otherwise a list, text items as str, the others as dicts
 * of the same type.
 */
function untypedMismatch(raw: Record<string, unknown>, value: unknown): string | null {
  const content = (raw.content ?? []) as Array<Record<string, unknown>>;
  const parse = (text: string) => {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  };
  if (content.length === 1 && content[0].type === "text") {
    const expected = parse(String(content[0].text));
    return JSON.stringify(value) === JSON.stringify(expected)
      ? null
      : `expected ${JSON.stringify(expected).slice(0, 80)}, got ${JSON.stringify(value)}`;
  }
  if (!Array.isArray(value) || value.length !== content.length) {
    return `expected a list of ${content.length} items, got ${JSON.stringify(value).slice(0, 80)}`;
  }
  for (const [i, item] of content.entries()) {
    const got = value[i];
    const fits = item.type === "text"
      ? got === item.text
      : typeof got === "object" && got !== null && (got as { type?: unknown }).type === item.type;
    if (!fits) return `item ${i} (${item.type}) came as ${JSON.stringify(got).slice(0, 80)}`;
  }
  return null;
}

Deno.test({
  name: "return shapes: every reference tool returns what its stub declares",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const config = ConfigSchema.parse({ servers: allUpstreams(dir) });
    const broker = await Broker.start(config.servers);
    const signal = AbortSignal.timeout(60_000);
    try {
      const byTool = new Map(broker.entries.map((e) => [`${e.ref.server}/${e.ref.tool}`, e]));
      const called = new Set(
        Object.entries(CALLS).flatMap(([server, calls]) => calls.map(([t]) => `${server}/${t}`)),
      );
      assert.deepEqual([...called].sort(), [...byTool.keys()].sort(), "every tool is called");
      const problems: string[] = [];
      for (const [server, calls] of Object.entries(CALLS)) {
        for (const [tool, args] of calls) {
          const entry = byTool.get(`${server}/${tool}`) as CatalogEntry;
          const problem = await check(broker, entry, args, signal);
          if (problem) problems.push(`${server}.${tool}: ${problem}`);
        }
      }
      assert.deepEqual(problems, []);
    } finally {
      await broker.close();
    }
  },
});

async function check(
  broker: Broker,
  entry: CatalogEntry,
  args: Record<string, unknown>,
  signal: AbortSignal,
): Promise<string | null> {
  const declared = entry.stub.signature.slice(entry.stub.signature.lastIndexOf(") -> ") + 5);
  if (entry.tool.execution?.taskSupport === "required") {
    // Such a tool can only be called as an MCP task, which the broker does not do yet: it fails
    // with the upstream's clear message. When that changes, this line fails as a reminder.
    const outcome = await broker.call(entry.ref, args, { signal });
    if (outcome.ok) return "now callable: check its shape like the others";
    // The v1 client refused it itself ("requires task-based execution"); the v2 client sends it
    // and the server refuses it ("requires task augmentation").
    return /task-based execution|task augmentation/.test(outcome.message) ? null : outcome.message;
  }
  if (!entry.tool.outputSchema) {
    if (declared !== "Any") return `declares ${declared} without an outputSchema`;
    if (!entry.stub.doc.includes(UNTYPED_RETURN)) return "help() does not say what Python gets";
    const raw = await entry.upstream.call(entry.tool.name, args, signal);
    if (!raw.ok) return `the call failed: ${raw.message}`;
    const mapped = mapToolResult(raw.result, `${entry.ref.server}.${entry.ref.tool}`);
    if (!mapped.ok) return `the tool failed: ${mapped.message}`;
    return untypedMismatch(raw.result, mapped.value);
  }
  if (declared === "dict") return "declares a bare dict: the model cannot see the keys";
  const outcome = await broker.call(entry.ref, args, { signal });
  if (!outcome.ok) return `the call failed: ${outcome.code} ${outcome.message}`;
  return mismatch(outcome.value, parseShape(declared)) ??
    mismatch(outcome.value, parseShape(lineReturn(entry.tool)));
}
