/**
 * Approvals over stdio with the real SDK client answering `elicitation/create`, the real
 * server-filesystem and server-memory (`approve: "destructive"`) and the real sandbox: approve
 * once, decline / cancel / approve false (the run goes on when the code catches the ToolError),
 * scope `execution` over a loop and under asyncio.gather (asked once, in call order), scope
 * `session` across executions, an approval slower than the execution's timeout, the deadline
 * enforced again after the approval, the marks in search_tools / help() / the description, and
 * the audit log (redaction, cut values, denied calls, calls past the cap). Clients that cannot be
 * asked and run_agent are in approval_clients_test.ts, HTTP sessions in approval_http_test.ts.
 */
import assert from "node:assert/strict";
import { ElicitRequestSchema } from "../src/mcp_sdk.ts";
import { approvingUpstreams as upstreams, exists } from "../support/approvals.ts";
import { execute, root, startServer, type TestServer } from "../support/server.ts";

/** What the client's handler saw. */
interface Question {
  message: string;
  requestedSchema: { properties: Record<string, Record<string, unknown>>; required?: string[] };
}

type Answer = { action: "accept" | "decline" | "cancel"; content?: Record<string, unknown> };

type Line = Record<string, unknown>;

/** The run's `timeout_ms` in the slow-approval step. */
const RUN_TIMEOUT_MS = 1000;
/**
 * How long the person takes to answer there: longer than the run's timeout on purpose. The delay
 * is the scenario (it proves the deadline is paused while a person is asked), not a wait.
 */
const SLOW_ANSWER_MS = 2 * RUN_TIMEOUT_MS;
/** How long the person holds a question open under gather: a second one would overlap it. */
const THINKING_MS = 20;

/** The audit log's lines once `done` says they are all there (polled, bounded). */
async function auditLines(path: string, done: (lines: Line[]) => boolean): Promise<Line[]> {
  const deadline = Date.now() + 10_000;
  while (true) {
    const text = await Deno.readTextFile(path).catch(() => "");
    const lines = text.split("\n").filter(Boolean).map((l) => JSON.parse(l));
    if (done(lines) || Date.now() > deadline) return lines;
    await new Promise((r) => setTimeout(r, 50));
  }
}

Deno.test({
  name: "approvals over stdio",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const dir = await Deno.makeTempDir({ prefix: "approval-" });
    const audit = `.cache/tests/audit-${crypto.randomUUID()}.jsonl`;
    const questions: Question[] = [];
    let answer: (q: Question) => Answer | Promise<Answer> = () => ({ action: "decline" });
    let server: TestServer | undefined;
    try {
      server = await startServer({
        config: {
          servers: upstreams(dir),
          sandbox: { pool_size: 1 },
          approval: { audit_log: `${root}${audit}`, redact: ["entityType"], timeout_ms: 30_000 },
        },
        capabilities: { elicitation: {} },
      });
      server.client.setRequestHandler(ElicitRequestSchema, (request) => {
        const question = request.params as unknown as Question;
        questions.push(question);
        return answer(question);
      });
      const s = server;
      const run = (code: string, timeout?: number) => execute(s, code, timeout);
      const write = (name: string, content = "hi") =>
        `tools.filesystem.write_file(path=${JSON.stringify(`${dir}/${name}`)}, content=${
          JSON.stringify(content)
        })`;

      await t.step("the marks: description, search_tools and help()", async () => {
        const { tools } = await s.client.listTools();
        const description = tools.find((x) => x.name === "execute_code")!.description!;
        assert.match(description, /approval.*APPROVAL_DENIED/);
        const found = await s.client.callTool({
          name: "search_tools",
          arguments: { query: "file", server: "filesystem", limit: 50 },
        });
        const text = (found.content as Array<{ text: string }>)[0].text;
        assert.match(text, /\nwrite_file\(.*# needs approval/);
        assert.doesNotMatch(text, /\nread_text_file\(.*# needs approval/);
        const help = await run("help(tools.filesystem.write_file)");
        assert.match(help.stdout, /Needs approval/);
        assert.equal(questions.length, 0);
      });

      await t.step("a read-only tool is not asked about", async () => {
        await Deno.writeTextFile(`${dir}/seed.txt`, "seed");
        const r = await run(`tools.filesystem.read_text_file(path="${dir}/seed.txt")`);
        assert.deepEqual(r.result, { content: "seed" });
        assert.equal(questions.length, 0);
      });

      await t.step("approve once: the question names the call; the file is written", async () => {
        answer = () => ({ action: "accept", content: { approve: true } });
        const r = await run(write("once.txt", "x".repeat(500)));
        assert.equal(r.ok, true, JSON.stringify(r.error));
        assert.ok(r.execution_id, "the result carries the execution id");
        assert.equal(questions.length, 1);
        const [q] = questions;
        assert.match(q.message, /"write_file" of the server "filesystem"/);
        assert.match(q.message, /once\.txt/);
        assert.ok(q.message.includes(`content = "${"x".repeat(500)}"`), "shown whole");
        assert.equal(q.requestedSchema.properties.approve.type, "boolean");
        assert.deepEqual(q.requestedSchema.properties.scope.enum, ["once", "execution", "session"]);
        assert.equal(q.requestedSchema.properties.ask_again.type, "boolean");
        assert.equal(await Deno.readTextFile(`${dir}/once.txt`), "x".repeat(500));
      });

      await t.step("decline: not written, APPROVAL_DENIED, the run goes on", async () => {
        questions.length = 0;
        answer = () => ({ action: "decline" });
        const r = await run(
          `try:\n    ${write("declined.txt")}\nexcept ToolError as e:\n    print(e.code, e)\n` +
            `"went on"`,
        );
        assert.equal(r.ok, true, JSON.stringify(r.error));
        assert.equal(r.result, "went on");
        assert.match(
          r.stdout,
          /^APPROVAL_DENIED filesystem\.write_file was not called: .*declined/,
        );
        assert.equal(await exists(`${dir}/declined.txt`), false);
      });

      await t.step("cancel and approve false say which happened", async () => {
        answer = () => ({ action: "cancel" });
        const cancelled = await run(write("cancelled.txt"));
        assert.equal(cancelled.ok, false);
        assert.match(cancelled.error!.message, /APPROVAL_DENIED|dismissed/);
        assert.match(cancelled.error!.message, /dismissed the question \(cancel\)/);
        answer = () => ({ action: "accept", content: { approve: false } });
        const no = await run(write("no.txt"));
        assert.match(no.error!.message, /approve = false/);
        assert.equal(await exists(`${dir}/cancelled.txt`), false);
        assert.equal(await exists(`${dir}/no.txt`), false);
      });

      await t.step("scope execution: a loop of 10 writes is asked once", async () => {
        questions.length = 0;
        answer = () => ({ action: "accept", content: { approve: true, scope: "execution" } });
        const r = await run(
          `for i in range(10):\n    tools.filesystem.write_file(path=f"${dir}/loop{i}.txt", ` +
            `content=str(i))\n"done"`,
        );
        assert.equal(r.result, "done", JSON.stringify(r.error));
        assert.equal(questions.length, 1);
        for (let i = 0; i < 10; i++) assert.equal(await exists(`${dir}/loop${i}.txt`), true);
        // The decision does not outlive its execution.
        await run(write("next.txt"));
        assert.equal(questions.length, 2);
      });

      await t.step("asyncio.gather: asked one at a time, in call order", async () => {
        questions.length = 0;
        let open = 0;
        let most = 0;
        answer = async () => {
          most = Math.max(most, ++open);
          await new Promise((r) => setTimeout(r, THINKING_MS)); // a person takes a moment
          open--;
          return { action: "accept", content: { approve: true } };
        };
        const r = await run(
          "import asyncio\nawait asyncio.gather(*[tools.filesystem.write_file.aio(" +
            `path=f"${dir}/g{i}.txt", content=str(i)) for i in range(4)])\n"ok"`,
        );
        assert.equal(r.result, "ok", JSON.stringify(r.error));
        assert.equal(most, 1, "never two questions open at once");
        const order = questions.map((q) => /g(\d)\.txt/.exec(q.message)?.[1]);
        assert.deepEqual(order, ["0", "1", "2", "3"]);
        // A scope-execution answer covers the calls already queued behind it.
        questions.length = 0;
        answer = () => ({ action: "accept", content: { approve: true, scope: "execution" } });
        const again = await run(
          "import asyncio\nawait asyncio.gather(*[tools.filesystem.write_file.aio(" +
            `path=f"${dir}/h{i}.txt", content=str(i)) for i in range(5)])\n"ok"`,
        );
        assert.equal(again.result, "ok", JSON.stringify(again.error));
        assert.equal(questions.length, 1);
      });

      await t.step("an approval slower than timeout_ms does not count against it", async () => {
        questions.length = 0;
        answer = async () => {
          await new Promise((r) => setTimeout(r, SLOW_ANSWER_MS)); // the scenario, see above
          return { action: "accept", content: { approve: true } };
        };
        const r = await run(`${write("slow.txt")}\n"written"`, RUN_TIMEOUT_MS);
        assert.equal(r.ok, true, JSON.stringify(r.error));
        assert.equal(r.result, "written");
        assert.equal(await exists(`${dir}/slow.txt`), true);
        // After the answer the clock runs again: a loop still ends in TIMEOUT.
        answer = async () => {
          await new Promise((r) => setTimeout(r, SLOW_ANSWER_MS)); // the scenario, see above
          return { action: "accept", content: { approve: true } };
        };
        const stuck = await run(`${write("slow2.txt")}\nwhile True:\n    pass`, RUN_TIMEOUT_MS);
        assert.equal(stuck.error?.code, "TIMEOUT");
        assert.equal(await exists(`${dir}/slow2.txt`), true);
      });

      await t.step("scope session: a second execution is not asked", async () => {
        questions.length = 0;
        answer = () => ({ action: "accept", content: { approve: true, scope: "session" } });
        const first = await run(
          `tools.filesystem.move_file(source="${dir}/loop0.txt", destination="${dir}/m1.txt")`,
        );
        assert.equal(first.ok, true, JSON.stringify(first.error));
        answer = () => ({ action: "decline" });
        const second = await run(
          `tools.filesystem.move_file(source="${dir}/loop1.txt", destination="${dir}/m2.txt")`,
        );
        assert.equal(second.ok, true, JSON.stringify(second.error));
        assert.equal(questions.length, 1);
        assert.equal(await exists(`${dir}/m2.txt`), true);
        // Other tools are still asked.
        const other = await run(write("other.txt"));
        assert.equal(other.ok, false);
        assert.equal(questions.length, 2);
      });

      await t.step("the audit log: every call, redacted, values cut, denials", async () => {
        const r = await run(
          'tools.memory.create_entities(entities=[{"name": "n", "entityType": "secret-kind", ' +
            `"observations": ["${"o".repeat(300)}"]}])\n` +
            `try:\n    tools.memory.delete_entities(entityNames=["n"])\nexcept ToolError:\n    pass`,
        );
        assert.equal(r.ok, true, JSON.stringify(r.error));
        // A call the executor refuses itself (past max_tool_calls) is recorded too.
        const capped = await run(
          "for i in range(201):\n    tools.filesystem.list_allowed_directories()",
        );
        assert.equal(capped.error?.code, "TOOL_CALL_LIMIT");
        const lines = await auditLines(
          `${root}${audit}`,
          (all) => all.some((l) => l.code === "TOOL_CALL_LIMIT"),
        );
        for (const line of lines.filter((l) => !l.summary)) {
          assert.deepEqual(Object.keys(line).filter((k) => k !== "code" && k !== "cut"), [
            "time",
            "session",
            "execution",
            "server",
            "tool",
            "arguments",
            "approval",
            "ok",
            "ms",
          ]);
          assert.equal(line.session, "stdio");
          assert.ok(!Number.isNaN(Date.parse(line.time as string)));
        }
        const read = lines.find((l) => l.tool === "read_text_file")!;
        assert.equal(read.approval, "not_required");
        const once = lines.find((l) => JSON.stringify(l.arguments).includes("once.txt"))!;
        assert.equal(once.approval, "approved");
        assert.equal(once.ok, true);
        const content = (once.arguments as { content: string }).content;
        assert.ok(content.startsWith("x".repeat(200) + "…"), content);
        assert.ok(content.length < 250);
        assert.deepEqual(once.cut, { characters: 300 }, "the line says what was cut");
        const declined = lines.find((l) => JSON.stringify(l.arguments).includes("declined.txt"))!;
        assert.equal(declined.approval, "denied");
        assert.equal(declined.ok, false);
        assert.equal(declined.code, "APPROVAL_DENIED");
        const created = lines.find((l) => l.tool === "create_entities")!;
        assert.equal(created.execution, r.execution_id);
        const [entity] = (created.arguments as { entities: Record<string, unknown>[] }).entities;
        assert.equal(entity.entityType, "[redacted]");
        assert.match((entity.observations as string[])[0], /^o{200}… \[100 more characters\]$/);
        const deleted = lines.find((l) => l.tool === "delete_entities")!;
        assert.equal(deleted.approval, "denied");
        // Calls past the cap are counted in one line, written when the run ends.
        const refused = lines.filter((l) => l.execution === capped.execution_id && !l.ok);
        assert.equal(refused.length, 1);
        assert.equal(refused[0].summary, "refused");
        assert.equal(refused[0].code, "TOOL_CALL_LIMIT");
        assert.equal(refused[0].refused, 1);
        assert.deepEqual(refused[0].tools, { "filesystem.list_allowed_directories": 1 });
        const text = await Deno.readTextFile(`${root}${audit}`);
        assert.doesNotMatch(text, /secret-kind/);
      });
    } finally {
      await server?.close();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
      await Deno.remove(`${root}${audit}`).catch(() => {});
    }
  },
});
