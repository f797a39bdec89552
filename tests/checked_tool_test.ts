/**
 * One zod schema per tool: `listedInput` (the listed form: types, descriptions and listing
 * metadata kept, bounds left out; a bounded type it does not know is refused, not listed with its
 * bounds) and `registerCheckedTool` served in-process over HTTP to a real SDK client: the listing
 * shows no bounds, the SDK still checks types, input outside the bounds gets the tool's own
 * answer naming each argument, and the handler sees only input within them.
 */
import assert from "node:assert/strict";
import { z } from "zod";
import { HttpConfigSchema } from "../src/http/http_config.ts";
import { serveHttp } from "../src/http/http_server.ts";
import { McpServer } from "../src/mcp_sdk.ts";
import { invalidArguments, registerCheckedTool } from "../src/server/checked_tool.ts";
import { InFlight } from "../src/server/in_flight.ts";
import { listedInput } from "../src/server/listed_schema.ts";
import { connectHttp } from "../support/http.ts";

const BOUNDED = z.object({
  text: z.string().min(1).max(5).describe("what to echo"),
  times: z.number().int().min(1).max(3).optional(),
  name: z.string().regex(/^[a-z]+$/, "lower-case letters").optional(),
  mode: z.enum(["loud", "quiet"]).optional(),
  flag: z.boolean().optional(),
});

Deno.test("listedInput: types and descriptions, no bounds, no $schema", () => {
  const listed = z.toJSONSchema(listedInput(BOUNDED), { io: "input" });
  assert.deepEqual(listed, {
    type: "object",
    properties: {
      text: { type: "string", description: "what to echo" },
      times: { type: "number" },
      name: { type: "string" },
      mode: { type: "string", enum: ["loud", "quiet"] },
      flag: { type: "boolean" },
    },
    required: ["text"],
  });
  assert.ok(listedInput(BOUNDED).safeParse({ text: "far too long", times: 2.5 }).success);
  assert.ok(!listedInput(BOUNDED).safeParse({ text: 5 }).success, "types are still checked");
});

Deno.test("listedInput: metadata on an optional argument is kept", () => {
  const files = z.record(z.string(), z.string()).optional()
    .meta({ propertyNames: undefined, additionalProperties: undefined } as Record<string, unknown>)
    .describe("path→text");
  const listed = z.toJSONSchema(listedInput(z.object({ files })), { io: "input" });
  assert.deepEqual(listed.properties, { files: { description: "path→text", type: "object" } });
});

Deno.test("listedInput: a bounded type it cannot unbind is refused, naming the argument", () => {
  assert.throws(
    () => listedInput(z.object({ tags: z.array(z.string()).max(3) })),
    /The bounds of argument tags \(array\) cannot be left out/,
  );
});

Deno.test({
  name: "registerCheckedTool: listed without bounds, bounds checked once with the tool's answer",
  async fn() {
    const seen: unknown[] = [];
    const counted: number[] = [];
    const inFlight = new InFlight();
    const served = await serveHttp({
      config: HttpConfigSchema.parse({ port: 0 }),
      createServer: () => {
        const server = new McpServer({ name: "checked", version: "1.0.0" });
        registerCheckedTool(server, "echo", {
          title: "Echo",
          description: "Echoes text.",
          input: BOUNDED,
          annotations: { readOnlyHint: true },
          invalid: (message) => ({
            content: [{ type: "text", text: `no: ${message}` }],
            isError: true,
          }),
          inFlight,
        }, (input) => {
          seen.push(input);
          counted.push(inFlight.count);
          return Promise.resolve({ content: [{ type: "text", text: input.text }] });
        });
        return server;
      },
    });
    assert.ok(served.ok);
    const { client } = await connectHttp(served.server.url);
    try {
      const [tool] = (await client.listTools()).tools;
      assert.equal(tool.name, "echo");
      assert.doesNotMatch(JSON.stringify(tool.inputSchema), /maxLength|minimum|pattern|integer/);
      const text = async (args: Record<string, unknown>) => {
        const r = await client.callTool({ name: "echo", arguments: args });
        return (r.content as Array<{ text: string }>)[0].text;
      };
      assert.equal(
        await text({ text: "toolong", times: 1.5, name: "A" }),
        "no: Invalid arguments for echo: text: Too big: expected string to have <=5 characters; " +
          "times: Invalid input: expected int, received number; name: lower-case letters.",
      );
      assert.match(await text({ text: 3 }), /Input validation error/, "the SDK checks types");
      assert.equal(seen.length, 0, "the handler never saw input outside the bounds");
      assert.equal(await text({ text: "hi", times: 2, extra: 1 }), "hi");
      assert.deepEqual(seen, [{ text: "hi", times: 2 }]);
      assert.deepEqual(counted, [1], "the call was counted while it was answered");
      assert.equal(inFlight.count, 0);
    } finally {
      await client.close();
      await served.server.close();
    }
  },
});

Deno.test("invalidArguments: each argument and what is wrong; the input itself as input", () => {
  const error = z.object({ a: z.string() }).safeParse(5).error!;
  assert.equal(
    invalidArguments("t", error),
    "Invalid arguments for t: input: Invalid input: expected object, received number.",
  );
});
