/**
 * Approvals over Streamable HTTP with real SDK clients, the real server-filesystem and sandbox:
 * the question goes to the session that ran the code and to no other (two sessions running at
 * once, each answered by its own person), the audit log names the session, an unanswered question
 * ends at approval.timeout_ms (and the client is told to stop asking), and a client without
 * elicitation is let through when approval.without_elicitation is "allow"; over stateless HTTP
 * nobody can be asked.
 */
import assert from "node:assert/strict";
import { ElicitRequestSchema } from "../src/mcp_sdk.ts";
import type { ExecResult } from "../src/contracts.ts";
import { exists } from "../support/approvals.ts";
import { connectHttp, startHttpServer } from "../support/http.ts";
import { root } from "../support/server.ts";
import { denoServer, PACKAGES } from "../support/upstreams.ts";

type Client = Awaited<ReturnType<typeof connectHttp>>["client"];

async function execute(client: Client, code: string): Promise<ExecResult> {
  const response = await client.callTool(
    { name: "execute_code", arguments: { code } },
    undefined,
    { timeout: 60_000 },
  );
  return response.structuredContent as unknown as ExecResult;
}

Deno.test({
  name: "approvals over HTTP",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const dir = await Deno.makeTempDir({ prefix: "approval-http-" });
    const audit = `.cache/tests/audit-${crypto.randomUUID()}.jsonl`;
    const server = await startHttpServer({
      config: {
        servers: {
          filesystem: denoServer(PACKAGES.filesystem, {
            dir,
            args: [dir],
            extra: { approve: ["write_file", "move_*"] },
          }),
        },
        sandbox: { pool_size: 1 },
        approval: { timeout_ms: 1500, without_elicitation: "allow", audit_log: `${root}${audit}` },
      },
    });
    const sessions: Client[] = [];
    try {
      const a = await connectHttp(server.url, { capabilities: { elicitation: {} } });
      const b = await connectHttp(server.url, { capabilities: { elicitation: {} } });
      sessions.push(a.client, b.client);
      const asked = { a: [] as string[], b: [] as string[] };
      let aborted = 0;
      // A approves, B declines; each says which session it is.
      a.client.setRequestHandler(ElicitRequestSchema, (request, extra) => {
        asked.a.push(request.params.message);
        if (request.params.message.includes("never")) {
          return new Promise((resolve) =>
            extra.signal.addEventListener("abort", () => {
              aborted++;
              resolve({ action: "cancel" });
            })
          );
        }
        return { action: "accept", content: { approve: true } };
      });
      b.client.setRequestHandler(ElicitRequestSchema, (request) => {
        asked.b.push(request.params.message);
        return { action: "decline" };
      });

      await t.step("each question goes to the session that ran the code", async () => {
        const write = (name: string) =>
          `tools.filesystem.write_file(path="${dir}/${name}", content="x")\n"written"`;
        const [ra, rb] = await Promise.all([
          execute(a.client, write("from-a.txt")),
          execute(b.client, write("from-b.txt")),
        ]);
        assert.equal(ra.result, "written", JSON.stringify(ra.error));
        assert.equal(rb.ok, false);
        assert.match(rb.error!.message, /declined/);
        assert.equal(asked.a.length, 1);
        assert.equal(asked.b.length, 1);
        assert.match(asked.a[0], /from-a\.txt/);
        assert.match(asked.b[0], /from-b\.txt/);
        assert.equal(await exists(`${dir}/from-a.txt`), true);
        assert.equal(await exists(`${dir}/from-b.txt`), false);
        // Calls that match no pattern are not asked about.
        const listed = await execute(b.client, "tools.filesystem.list_allowed_directories()");
        assert.equal(listed.ok, true);
        assert.equal(asked.b.length, 1);
      });

      await t.step(
        "no answer within approval.timeout_ms: denied, the question withdrawn",
        async () => {
          const r = await execute(
            a.client,
            `try:\n    tools.filesystem.write_file(path="${dir}/never.txt", content="x")\n` +
              "except ToolError as e:\n    print(e.code, e)",
          );
          assert.match(r.stdout, /^APPROVAL_DENIED .*approval\.timeout_ms \(1500 ms\)/);
          assert.equal(await exists(`${dir}/never.txt`), false);
          assert.equal(aborted, 1, "the client was told the question is withdrawn");
        },
      );

      await t.step('a client without elicitation goes through with "allow"', async () => {
        const c = await connectHttp(server.url);
        sessions.push(c.client);
        const r = await execute(
          c.client,
          `tools.filesystem.write_file(path="${dir}/from-c.txt", content="x")\n"written"`,
        );
        assert.equal(r.result, "written", JSON.stringify(r.error));
        // Nobody is asked, so arguments too long for a question do not matter.
        const long = await execute(
          c.client,
          `tools.filesystem.write_file(path="${dir}/long-c.txt", content="z" * 10000)\n"written"`,
        );
        assert.equal(long.result, "written", JSON.stringify(long.error));
        assert.equal(asked.a.length + asked.b.length, 3, "nobody else was asked");
      });

      await t.step("the audit log names each session", async () => {
        const path = `${root}${audit}`;
        const deadline = Date.now() + 10_000;
        let lines: Record<string, unknown>[] = [];
        while (Date.now() < deadline) {
          const text = await Deno.readTextFile(path).catch(() => "");
          lines = text.split("\n").filter(Boolean).map((l) => JSON.parse(l));
          if (lines.some((l) => JSON.stringify(l).includes("from-c"))) break;
          await new Promise((r) => setTimeout(r, 50));
        }
        const session = (name: string) =>
          lines.find((l) => JSON.stringify(l.arguments).includes(name))?.session;
        assert.equal(session("from-a"), a.transport.sessionId);
        assert.equal(session("from-b"), b.transport.sessionId);
        assert.notEqual(session("from-c"), a.transport.sessionId);
        const denied = lines.filter((l) => l.approval === "denied").length;
        assert.equal(denied, 2, "the declined and the timed-out call");
      });
    } finally {
      for (const client of sessions) await client.close().catch(() => {});
      await server.stop();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
      await Deno.remove(`${root}${audit}`).catch(() => {});
    }
  },
});

Deno.test({
  name: "approvals over stateless HTTP: nobody can be asked, the message says why",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "approval-stateless-" });
    const server = await startHttpServer({
      config: {
        servers: {
          filesystem: denoServer(PACKAGES.filesystem, {
            dir,
            args: [dir],
            extra: { approve: "destructive" },
          }),
        },
        sandbox: { pool_size: 1 },
      },
      args: ["--stateless"],
    });
    const { client } = await connectHttp(server.url, { capabilities: { elicitation: {} } });
    let asked = 0;
    client.setRequestHandler(ElicitRequestSchema, () => {
      asked++;
      return { action: "accept", content: { approve: true } };
    });
    try {
      const r = await execute(
        client,
        `tools.filesystem.write_file(path="${dir}/x.txt", content="x")`,
      );
      assert.equal(r.ok, false);
      assert.match(r.error!.message, /cannot be asked \(the server runs stateless HTTP/);
      assert.match(r.error!.message, /approval\.without_elicitation/);
      assert.equal(asked, 0);
      assert.equal(await exists(`${dir}/x.txt`), false);
    } finally {
      await client.close().catch(() => {});
      await server.stop();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});
