/**
 * Nothing a run does reaches past its result: a program that catches the deadline's interrupt and
 * keeps writing raw tool-call frames (policy off, through the relay module itself) until the host
 * kills it leaves frames in the pipe; the host ignores them. What the upstream received is
 * counted by the upstream; the audit log holds the run's calls and one summary of its refused
 * calls, and nothing written after the result (late frames would add a second summary).
 */
import assert from "node:assert/strict";
import { execute, startServer } from "../support/server.ts";
import { countingServer } from "../support/counting_server.ts";
import { waitFor } from "../support/wait.ts";

const CAP = 20;

type Line = Record<string, unknown>;

async function lines(path: string): Promise<Line[]> {
  const text = await Deno.readTextFile(path).catch(() => "");
  return text.split("\n").filter(Boolean).map((l) => JSON.parse(l));
}

Deno.test({
  name: "tool-call frames still buffered when a run is killed are ignored",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "after-end-" });
    const audit = `${dir}/audit.jsonl`;
    const server = await startServer({
      config: {
        servers: { counter: countingServer() },
        sandbox: { pool_size: 1, max_tool_calls: CAP, timeout_ms: 120_000 },
        policy: { enabled: false },
        approval: { audit_log: audit },
      },
      env: { MCP_CODE_MODE_LOG: "debug" },
    });
    try {
      const r = await execute(
        server,
        "import json, _mcp_relay\n" +
          "while True:\n" +
          "    try:\n" +
          "        while True:\n" +
          "            _mcp_relay.call('counter', 'hit', json.dumps({'n': 1}))\n" +
          "    except BaseException:\n" +
          "        pass\n",
        1500,
      );
      assert.equal(r.error?.code, "TIMEOUT", r.text);
      // The next execution's line is queued after anything the killed run's late frames caused.
      const count = await execute(server, "tools.counter.count()");
      assert.equal(count.result, CAP, count.text);
      const next = async () => (await lines(audit)).some((l) => l.execution === count.execution_id);
      await waitFor(next, "the next execution's audit line");
      const mine = (await lines(audit)).filter((l) => l.execution === r.execution_id);
      const summaries = mine.filter((l) => l.summary === "refused");
      assert.equal(mine.length - summaries.length, CAP, "a line per call made");
      assert.equal(
        summaries.length,
        1,
        `one summary of the refused calls: ${JSON.stringify(mine)}`,
      );
      const ignored = server.stderr().split("\n").filter((l) => /after the run ended/.test(l));
      assert.ok(ignored.length <= 1, `said at most once:\n${ignored.join("\n")}`);
    } finally {
      await server.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
