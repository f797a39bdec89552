/**
 * `deno task test:guardrails`: runs the guardrail corpus alone, one line per case, and ends with
 * the line `N passed, N failed` (exit code 1 when a case failed).
 */
import { CORPUS } from "./corpus.ts";
import { runCorpus, startBench } from "./harness.ts";

const encoder = new TextEncoder();
const say = (line: string) => Deno.stdout.writeSync(encoder.encode(line + "\n"));

const started = performance.now();
const bench = await startBench();
let passed = 0;
let failed = 0;
try {
  await runCorpus(bench, CORPUS, (c, problems) => {
    if (problems.length === 0) {
      passed++;
      say(`ok    ${c.verdict.padEnd(12)} ${c.name}`);
    } else {
      failed++;
      say(`FAIL  ${c.verdict.padEnd(12)} ${c.name}`);
      for (const problem of problems) say(`        ${problem}`);
    }
  });
} finally {
  await bench.close();
}
say(`(${CORPUS.length} cases in ${((performance.now() - started) / 1000).toFixed(1)} s)`);
say(`${passed} passed, ${failed} failed`);
Deno.exit(failed === 0 ? 0 : 1);
