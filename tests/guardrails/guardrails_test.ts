/**
 * The guardrail corpus under `deno test`: every case of corpus.ts through the real executor and
 * real sandbox children, one step each (`deno task test:guardrails` runs the same cases alone).
 */
import assert from "node:assert/strict";
import { CORPUS } from "./corpus.ts";
import { runCorpus, startBench } from "./harness.ts";

Deno.test("the corpus has at least 60 cases, allowed look-alikes and violations", () => {
  assert.ok(CORPUS.length >= 60, `only ${CORPUS.length} cases`);
  assert.ok(CORPUS.filter((c) => c.verdict === "allow").length >= 20);
  assert.ok(CORPUS.filter((c) => c.verdict === "deny").length >= 30);
  const names = new Set(CORPUS.map((c) => c.name));
  assert.equal(names.size, CORPUS.length, "case names are unique");
  for (const c of CORPUS) {
    if (c.verdict === "deny") assert.ok(c.rules?.length, `${c.name} names its expected rules`);
  }
});

Deno.test({
  name: "guardrail corpus",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const bench = await startBench();
    let results: string[][];
    try {
      // Run the cases a few at a time first, then report one step per case.
      results = await runCorpus(bench, CORPUS, () => {});
    } finally {
      await bench.close();
    }
    for (const [i, c] of CORPUS.entries()) {
      await t.step(`${c.verdict}: ${c.name}`, () => {
        assert.deepEqual(results[i], [], results[i].join("\n"));
      });
    }
  },
});
