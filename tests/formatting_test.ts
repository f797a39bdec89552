/**
 * JSON Schema → Python stub rendering over a table of schemas, Python names for upstream names,
 * and the execute_code index cap.
 */
import assert from "node:assert/strict";
import { countTokens } from "gpt-tokenizer";
import type { ServerSummary } from "../src/broker/broker.ts";
import { assignIdentifiers, pythonIdentifier } from "../src/broker/names.ts";
import {
  renderStub,
  returnShape,
  type StubTool,
  UNTYPED_RETURN,
} from "../src/formatting/python_stub.ts";
import { isDeprecated, lineSummary, renderLine } from "../src/formatting/search_line.ts";
import {
  APPROVAL_SENTENCE,
  executeCodeDescription,
  SKILLS_BUDGET_CHARS,
} from "../src/formatting/tool_index.ts";

const opts = { pyName: "f", pyServer: "s" };

const table: Array<[string, StubTool, string]> = [
  ["no arguments", { name: "f", inputSchema: { type: "object" } }, "() -> Any"],
  [
    "required before optional, optional as None",
    {
      name: "f",
      inputSchema: {
        type: "object",
        properties: { tail: { type: "integer" }, path: { type: "string" } },
        required: ["path"],
      },
    },
    "(*, path: str, tail: int | None = None) -> Any",
  ],
  [
    "enum as Literal, default kept",
    {
      name: "f",
      inputSchema: {
        type: "object",
        properties: { mode: { type: "string", enum: ["fast", "slow"], default: "fast" } },
      },
    },
    '(*, mode: Literal["fast", "slow"] = "fast") -> Any',
  ],
  [
    "arrays of strings and of objects",
    {
      name: "f",
      inputSchema: {
        type: "object",
        properties: {
          paths: { type: "array", items: { type: "string" } },
          edits: {
            type: "array",
            items: { type: "object", properties: { a: { type: "string" } } },
          },
        },
        required: ["paths", "edits"],
      },
    },
    "(*, paths: list[str], edits: list[dict]) -> Any",
  ],
  [
    "number, boolean, nullable union via type array",
    {
      name: "f",
      inputSchema: {
        type: "object",
        properties: {
          x: { type: "number" },
          flag: { type: "boolean" },
          maybe: { type: ["string", "null"] },
        },
        required: ["x", "flag", "maybe"],
      },
    },
    "(*, x: float, flag: bool, maybe: str | None) -> Any",
  ],
  [
    "anyOf, const and maps",
    {
      name: "f",
      inputSchema: {
        type: "object",
        properties: {
          id: { anyOf: [{ type: "string" }, { type: "integer" }] },
          kind: { const: "x" },
          labels: { type: "object", additionalProperties: { type: "string" } },
        },
        required: ["id", "kind", "labels"],
      },
    },
    '(*, id: str | int, kind: Literal["x"], labels: dict[str, str]) -> Any',
  ],
  [
    "names that are not identifiers go through **kwargs",
    {
      name: "f",
      inputSchema: {
        type: "object",
        properties: { "file-path": { type: "string" } },
        required: ["file-path"],
      },
    },
    "(*, **kwargs: Any) -> Any",
  ],
  [
    "return type from outputSchema",
    {
      name: "f",
      inputSchema: { type: "object", properties: {} },
      outputSchema: {
        type: "object",
        properties: { content: { type: "string" }, size: { type: "integer" } },
        required: ["content"],
      },
    },
    '() -> {"content": str, "size?": int}',
  ],
  [
    "nested return shapes, then dict",
    {
      name: "f",
      outputSchema: {
        type: "object",
        properties: {
          items: {
            type: "array",
            items: {
              type: "object",
              properties: { tags: { type: "array", items: { type: "string" } } },
              required: ["tags"],
            },
          },
        },
        required: ["items"],
      },
    },
    '() -> {"items": list[{"tags": list[str]}]}',
  ],
  [
    "object defaults and boolean defaults as Python literals",
    {
      name: "f",
      inputSchema: {
        type: "object",
        properties: {
          opts: { type: "object", default: { a: true, b: null } },
          dry: { type: "boolean", default: false },
        },
      },
    },
    '(*, opts: dict = {"a": True, "b": None}, dry: bool = False) -> Any',
  ],
];

for (const [name, tool, signature] of table) {
  Deno.test(`stub: ${name}`, () => {
    assert.equal(renderStub(tool, opts).signature, signature);
  });
}

Deno.test("stub: the docstring documents arguments, nested keys and returns", () => {
  const stub = renderStub({
    name: "create-things",
    description: "Create things.\nMany of them.",
    inputSchema: {
      type: "object",
      properties: {
        things: {
          type: "array",
          description: "What to create",
          items: {
            type: "object",
            properties: { name: { type: "string", description: "Its name" } },
            required: ["name"],
          },
        },
      },
      required: ["things"],
    },
    outputSchema: { type: "object", properties: { created: { type: "integer" } } },
  }, { pyName: "create_things", pyServer: "store" });
  assert.match(
    stub.text,
    /^def create_things\(\*, things: list\[dict\]\) -> \{"created\?": int\}:\n {4}"""Create things\./,
  );
  assert.match(stub.doc, /things \(list\[dict\]\): What to create/);
  assert.match(stub.doc, /each item has keys:\n\s+name \(str\): Its name/);
  assert.match(
    stub.doc,
    /Returns:\n\s+\{"created\?": int\}\n\s+\(a key ending in "\?" may be missing\)/,
  );
  assert.match(stub.doc, /Upstream tool: "create-things"\. Call: tools\.store\.create_things/);
});

Deno.test("stub: triple quotes in descriptions cannot end the docstring", () => {
  const stub = renderStub({ name: "f", description: 'Say """hi"""' }, opts);
  assert.equal(stub.text.match(/"""/g)?.length, 2);
});

Deno.test("names: any name becomes an identifier", () => {
  assert.equal(pythonIdentifier("get-sum"), "get_sum");
  assert.equal(pythonIdentifier("server everything!"), "server_everything");
  assert.equal(pythonIdentifier("3d-print"), "_3d_print");
  assert.equal(pythonIdentifier("import"), "import_");
  assert.equal(pythonIdentifier("aio"), "aio_");
  assert.equal(pythonIdentifier("---"), "unnamed");
});

Deno.test("names: collisions resolve deterministically, exact names keep theirs", () => {
  const a = assignIdentifiers(["get-sum", "get_sum", "get.sum"]);
  const b = assignIdentifiers(["get.sum", "get_sum", "get-sum"]);
  assert.deepEqual([...a.entries()].sort(), [...b.entries()].sort());
  assert.equal(a.get("get_sum"), "get_sum");
  assert.deepEqual(new Set(a.values()).size, 3);
});

Deno.test("stub: without an outputSchema, help() says what Python receives", () => {
  const stub = renderStub({ name: "f", inputSchema: { type: "object" } }, opts);
  assert.match(stub.signature, /-> Any$/);
  assert.ok(stub.doc.includes(`Returns:\n    Any: ${UNTYPED_RETURN}.`), stub.doc);
});

Deno.test("stub: a deep return shape falls back to dict until it fits", () => {
  const level = (inner: Record<string, unknown>) => ({
    type: "object",
    properties: { a_fairly_long_key_name: inner, another_fairly_long_key: { type: "string" } },
    required: ["a_fairly_long_key_name", "another_fairly_long_key"],
  });
  const schema = level(level(level(level({ type: "string" }))));
  const shape = returnShape(schema, 160);
  assert.ok(shape.length <= 160, shape);
  assert.match(shape, /"a_fairly_long_key_name": dict/);
  assert.equal(returnShape(schema, 10), "dict");
});

Deno.test("line: compact signature, deprecation note instead of a summary", () => {
  const tool = {
    name: "read_file",
    description: "Read a file. DEPRECATED: Use read_text_file instead.",
    inputSchema: {
      type: "object",
      properties: { path: { type: "string" }, head: { type: "number" } },
      required: ["path"],
    },
    outputSchema: { type: "object", properties: { content: { type: "string" } } },
  };
  assert.ok(isDeprecated(tool));
  assert.equal(
    renderLine(tool, { pyName: "read_file", summary: true }),
    'read_file(path: str, head: float=None) -> {"content?": str} # deprecated: use read_text_file instead',
  );
  assert.equal(
    lineSummary({ name: "x", description: "Get a listing of files in a path. More." }),
    "Get a listing of files",
  );
});

Deno.test("index: capped with a pointer to search_tools and under 400 tokens", () => {
  const servers: ServerSummary[] = Array.from({ length: 12 }, (_, i) => ({
    name: `server-${i}`,
    pyName: `server_${i}`,
    status: "ready",
    reason: "",
    tools: Array.from({ length: 40 }, (_, j) => `some_fairly_long_tool_name_${j}`),
  }));
  const text = executeCodeDescription(servers);
  assert.match(text, /\(\+\d+ more\)\n/);
  assert.match(text, /…and \d+ more servers: search_tools/);
  assert.ok(countTokens(text) <= 400, `${countTokens(text)} tokens`);
});

Deno.test("index: the slots of later features, within the index budget", () => {
  const servers: ServerSummary[] = [{
    name: "fs",
    pyName: "fs",
    status: "ready",
    reason: "",
    description: "paths relative to the workspace",
    tools: ["read_text_file", "read_file", "write_file"],
  }];
  const plain = executeCodeDescription(servers, { hidden: new Set(["fs.read_file"]) });
  assert.match(plain, /\nfs \(paths relative to the workspace\): read_text_file write_file$/);
  assert.match(plain, /Each call starts fresh\./);
  const all = executeCodeDescription(servers, {
    approvals: true,
    sessions: true,
    skills: [{ name: "sync_notes", summary: "Copy notes into the graph" }],
  });
  assert.ok(all.includes(APPROVAL_SENTENCE));
  assert.match(all, /fresh unless it names a session/);
  assert.match(all, /\nskills: sync_notes \(Copy notes into the graph\)$/);
});

Deno.test("index: saved skills never squeeze the servers' lines; their line has its own budget", () => {
  const servers: ServerSummary[] = [
    {
      name: "filesystem",
      pyName: "filesystem",
      status: "ready",
      reason: "",
      description: "paths relative to the workspace",
      tools: Array.from({ length: 14 }, (_, i) => `file_tool_${i}`),
    },
    {
      name: "memory",
      pyName: "memory",
      status: "ready",
      reason: "",
      description: "a knowledge graph kept in the workspace's memory.jsonl file",
      tools: Array.from({ length: 9 }, (_, i) => `graph_tool_${i}`),
    },
  ];
  const serverLines = (text: string) =>
    text.split("\n").filter((line) => /^(filesystem|memory) /.test(line));
  const without = executeCodeDescription(servers);
  assert.match(without, /\nfilesystem \(paths relative to the workspace\): file_tool_0 /);
  assert.match(
    without,
    /\nmemory \(a knowledge graph kept in the workspace's memory\.jsonl file\):/,
  );
  for (const count of [1, 3, 40]) {
    const skills = Array.from({ length: count }, (_, i) => ({
      name: `skill_number_${i}`,
      summary: "Does a long and careful thing with the notes of the day",
    }));
    const text = executeCodeDescription(servers, { skills });
    assert.deepEqual(serverLines(text), serverLines(without), `${count} skills`);
    const line = text.split("\n").find((l) => l.startsWith("skills:")) ?? "";
    assert.ok(line.length <= SKILLS_BUDGET_CHARS + 20, `${count} skills: ${line}`);
    assert.match(line, /^skills: skill_number_0/);
    if (count === 40) assert.match(line, /\(\+\d+ more\)$/);
  }
});

Deno.test("index: a server's description is shown whole, however many servers share the index", () => {
  const description = "paths are relative to the workspace folder; absolute paths are refused";
  const servers: ServerSummary[] = Array.from({ length: 4 }, (_, i) => ({
    name: `s${i}`,
    pyName: `s${i}`,
    status: "ready",
    reason: "",
    description,
    tools: ["alpha", "beta", "gamma"],
  }));
  const text = executeCodeDescription(servers, { skills: [{ name: "k" }] });
  for (let i = 0; i < 4; i++) assert.ok(text.includes(`\ns${i} (${description}):`), text);
});
