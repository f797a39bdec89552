/**
 * Unit tests of `src/server/tool_progress.ts`: no reporter without a progress token; with one,
 * every upstream report becomes one notification, counted in one increasing sequence.
 */
import assert from "node:assert/strict";
import {
  progressMessage,
  type ProgressNotification,
  toolProgressReporter,
} from "../src/server/tool_progress.ts";

Deno.test("no progress token, no reporter (upstreams get no token)", () => {
  const sent: ProgressNotification[] = [];
  const request = {
    sendNotification: (n: ProgressNotification) => (sent.push(n), Promise.resolve()),
  };
  assert.equal(toolProgressReporter(request), undefined);
  assert.equal(toolProgressReporter({ ...request, _meta: {} }), undefined);
});

Deno.test("reports from several calls count up in one sequence, naming each tool", () => {
  const sent: ProgressNotification[] = [];
  const report = toolProgressReporter({
    _meta: { progressToken: "t1" },
    sendNotification: (n) => (sent.push(n), Promise.resolve()),
  })!;
  report({ server: "a", tool: "slow", progress: 1, total: 5 });
  report({ server: "b", tool: "other", progress: 0.5, message: "half" });
  report({ server: "a", tool: "slow", progress: 2, total: 5 });
  assert.deepEqual(sent.map((n) => n.params), [
    { progressToken: "t1", progress: 1, message: "a.slow: 1/5" },
    { progressToken: "t1", progress: 2, message: "b.other: 0.5 (half)" },
    { progressToken: "t1", progress: 3, message: "a.slow: 2/5" },
  ]);
});

Deno.test("a notification that cannot be sent is dropped without an error", async () => {
  const report = toolProgressReporter({
    _meta: { progressToken: 7 },
    sendNotification: () => Promise.reject(new Error("Not connected")),
  })!;
  report({ server: "a", tool: "t", progress: 1 });
  await Promise.resolve(); // the rejection is handled, or the test's sanitizer fails it
  assert.equal(progressMessage({ server: "a", tool: "t", progress: 1 }), "a.t: 1");
});
