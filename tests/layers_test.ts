/**
 * The import layering (scripts/check_layers.ts): its pure parts on small inputs, then the whole
 * project, which must have no broken rule and no cycle.
 */
import assert from "node:assert/strict";
import { checkLayers, cycles, resolve, specifiers, violations } from "../scripts/check_layers.ts";

const root = decodeURIComponent(new URL("../", import.meta.url).pathname);

Deno.test("specifiers finds static, type-only, re-export and dynamic imports", () => {
  const source = [
    'import { a } from "./a.ts";',
    'import type { B } from "../b/b.ts";',
    'export { c } from "./c.ts";',
    'export type { D } from "./d.ts";',
    'const e = await import("./e.ts");',
    'import "./side_effect.ts";',
    'import { z } from "zod";',
    "const text = \"import x from './not_code.ts'\";",
  ].join("\n");
  assert.deepEqual(specifiers(source), [
    "./a.ts",
    "../b/b.ts",
    "./c.ts",
    "./d.ts",
    "./e.ts",
    "./side_effect.ts",
  ]);
});

Deno.test("resolve follows . and .. from the importing file's folder", () => {
  assert.equal(resolve("src/broker/broker.ts", "../contracts.ts"), "src/contracts.ts");
  assert.equal(resolve("main.ts", "./src/log.ts"), "src/log.ts");
  assert.equal(resolve("tests/sandbox/x.ts", "../../src/a/b.ts"), "src/a/b.ts");
});

Deno.test("violations names the rule an edge breaks, and none for an allowed edge", () => {
  const broken = violations({ from: "src/broker/broker.ts", to: "src/sandbox_host/run.ts" });
  assert.equal(broken.length, 1);
  assert.match(broken[0].why, /siblings/);
  assert.deepEqual(violations({ from: "src/broker/broker.ts", to: "src/contracts.ts" }), []);
  assert.deepEqual(violations({ from: "src/server/server.ts", to: "src/broker/broker.ts" }), []);
  assert.equal(violations({ from: "src/contracts.ts", to: "src/log.ts" }).length, 1);
  assert.equal(violations({ from: "bench/bench.ts", to: "tests/server_test.ts" }).length, 1);
});

Deno.test("cycles finds a loop of three, a self-import, and nothing in a tree", () => {
  assert.deepEqual(
    cycles([
      { from: "a", to: "b" },
      { from: "b", to: "c" },
      { from: "c", to: "a" },
      { from: "c", to: "d" },
    ]),
    [["a", "b", "c"]],
  );
  assert.deepEqual(cycles([{ from: "a", to: "a" }]), [["a"]]);
  assert.deepEqual(cycles([{ from: "a", to: "b" }, { from: "a", to: "c" }]), []);
});

Deno.test("the project follows its layering with no cycle", async () => {
  const { edges, problems } = await checkLayers(root);
  assert.ok(edges > 50, `only ${edges} imports found: is the checker reading the project?`);
  assert.deepEqual(problems, []);
});
