/**
 * JSON Schema → Python stub rendering over a table of schemas, Python names for upstream names,
 * and the execute_code index cap.
 */
import assert from "node:assert/strict";
import { countTokens } from "gpt-tokenizer";
import type { ServerSummary } from "../src/broker/broker.ts";
import { assignIdentifiers, pythonIdentifier } from "../src/broker/names.ts";
import { renderStub, type StubTool } from "../src/formatting/python_stub.ts";
import { executeCodeDescription } from "../src/formatting/tool_index.ts";

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
      outputSchema: { type: "object", properties: { content: { type: "string" } } },
    },
    "() -> dict",
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
    /^def create_things\(\*, things: list\[dict\]\) -> dict:\n {4}"""Create things\./,
  );
  assert.match(stub.doc, /things \(list\[dict\]\): What to create/);
  assert.match(stub.doc, /each item has keys:\n\s+name \(str\): Its name/);
  assert.match(stub.doc, /Returns:\n\s+dict\n\s+keys:\n\s+created \(int, optional\)/);
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

Deno.test("index: capped with a pointer to search_tools and under 400 tokens", () => {
  const servers: ServerSummary[] = Array.from({ length: 12 }, (_, i) => ({
    name: `server-${i}`,
    pyName: `server_${i}`,
    status: "ready",
    reason: "",
    tools: Array.from({ length: 40 }, (_, j) => `some_fairly_long_tool_name_${j}`),
  }));
  const text = executeCodeDescription(servers);
  assert.match(text, /…and \d+ more tools and \d+ more servers, use search_tools/);
  assert.ok(countTokens(text) <= 400, `${countTokens(text)} tokens`);
});
