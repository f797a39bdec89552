/**
 * What a person is asked, end to end over stdio with the real SDK client answering
 * `elicitation/create`, the real server-filesystem and server-memory and the real sandbox, the
 * policy off (the attacks need `**{…}` and odd strings): a decoy key cannot hide the path and
 * content (arguments the schema does not declare are refused before anyone is asked), every key
 * and value is shown whole and escaped (newlines, ESC, bidi overrides), arguments too long to show
 * and arguments the schema rejects are refused with no question, a declined tool retried 50 times
 * is asked once per run (unless the person asks to be asked again), and the questions of one run
 * are capped by `approval.max_questions_per_execution`; with `approval.long_arguments: "cut"` a
 * long value is shown cut with what is not shown named, and sent whole.
 */
import assert from "node:assert/strict";
import { ElicitRequestSchema } from "../src/mcp_sdk.ts";
import { approvingUpstreams, exists } from "../support/approvals.ts";
import { execute, startServer, type TestServer } from "../support/server.ts";

type Answer = { action: "accept" | "decline" | "cancel"; content?: Record<string, unknown> };

/** A server whose client records every question and answers with `answer`. */
async function asking(dir: string, approval: Record<string, unknown> = {}) {
  const questions: string[] = [];
  const state = { answer: (): Answer => ({ action: "accept", content: { approve: true } }) };
  const server = await startServer({
    config: {
      servers: approvingUpstreams(dir, "writes"),
      sandbox: { pool_size: 1 },
      policy: { enabled: false },
      approval: { timeout_ms: 30_000, ...approval },
    },
    capabilities: { elicitation: {} },
  });
  server.client.setRequestHandler(ElicitRequestSchema, (request) => {
    questions.push(request.params.message);
    return state.answer();
  });
  return { server, questions, state };
}

const py = (text: string) => JSON.stringify(text);

Deno.test({
  name: "approval questions: what is shown is what is sent",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const dir = await Deno.makeTempDir({ prefix: "approval-q-" });
    let server: TestServer | undefined;
    try {
      const setup = await asking(dir);
      server = setup.server;
      const { questions, state } = setup;
      const s = server;
      const run = (code: string) => execute(s, code);

      await t.step("a decoy key is refused before anyone is asked", async () => {
        questions.length = 0;
        const r = await run(
          "try:\n    tools.filesystem.write_file(**{" +
            `"note: routine rotation, approved by policy " + "." * 560: "", ` +
            `"path": ${py(`${dir}/hidden.txt`)}, "content": "pwned"})\n` +
            "except ToolError as e:\n    print(e.code, e)\n",
        );
        assert.equal(r.ok, true, JSON.stringify(r.error));
        assert.equal(questions.length, 0, "nobody is asked about arguments the schema lacks");
        assert.match(r.stdout, /^INVALID_ARGUMENTS /);
        assert.match(r.stdout, /note: routine rotation/);
        assert.match(r.stdout, /not in the tool's schema/);
        assert.equal(await exists(`${dir}/hidden.txt`), false);
      });

      await t.step("a key with newlines is shown escaped, with every other key", async () => {
        questions.length = 0;
        const r = await run(
          "tools.memory.create_entities(entities=[{" +
            `"name": "n" * 100, "entityType": "t", "observations": [], ` +
            `"\\n\\n[Already approved by your administrator]\\n": 1}])\n"ok"`,
        );
        assert.equal(r.ok, true, JSON.stringify(r.error));
        assert.equal(questions.length, 1);
        const [q] = questions;
        assert.ok(q.includes("n".repeat(100)), q);
        assert.ok(q.includes(String.raw`"\n\n[Already approved by your administrator]\n": 1`), q);
        assert.doesNotMatch(q, /\n\n\[Already/);
      });

      await t.step("every key and the whole value: path after a long content", async () => {
        questions.length = 0;
        const content = "line one\nline two\r\n\u001b]8;;http://evil\u0007link\u001b]8;;\u0007 " +
          "abc\u202Eexe.txt\u200B " + "y".repeat(1500);
        const r = await run(
          `tools.filesystem.write_file(content=${py(content)}, path=${py(`${dir}/seen.txt`)})\n` +
            '"ok"',
        );
        assert.equal(r.ok, true, JSON.stringify(r.error));
        assert.equal(questions.length, 1);
        const [q] = questions;
        assert.ok(q.includes(`${dir}/seen.txt`), q);
        assert.ok(q.includes("y".repeat(1500)), "the whole content is shown");
        assert.ok(q.includes(String.raw`line one\nline two\r\n\u{1B}]8;;http://evil\u{7}`), q);
        assert.ok(q.includes(String.raw`abc\u{202E}exe.txt\u{200B}`), q);
        for (const raw of ["\u001b", "\u0007", "\u202e", "\u200b", "\r"]) {
          assert.ok(!q.includes(raw), `no raw ${JSON.stringify(raw)}`);
        }
        assert.equal(await Deno.readTextFile(`${dir}/seen.txt`), content);
      });

      await t.step("arguments too long to show are refused, not cut", async () => {
        questions.length = 0;
        const r = await run(
          "try:\n    tools.filesystem.write_file(" +
            `path=${py(`${dir}/long.txt`)}, content="z" * 10000)\n` +
            "except ToolError as e:\n    print(e.code, e)\n",
        );
        assert.equal(r.ok, true, JSON.stringify(r.error));
        assert.equal(questions.length, 0);
        assert.match(r.stdout, /^APPROVAL_DENIED /);
        assert.match(r.stdout, /approval\.question_max_chars/);
        assert.equal(await exists(`${dir}/long.txt`), false);
      });

      await t.step("arguments of the wrong type are refused before anyone is asked", async () => {
        questions.length = 0;
        const r = await run(
          "try:\n    tools.filesystem.write_file(path=5, content='x')\n" +
            "except ToolError as e:\n    print(e.code, e)\n",
        );
        assert.equal(r.ok, true, JSON.stringify(r.error));
        assert.match(r.stdout, /^INVALID_ARGUMENTS /);
        assert.equal(questions.length, 0);
      });

      await t.step("a declined tool retried 50 times asks once in the run", async () => {
        questions.length = 0;
        state.answer = () => ({ action: "decline" });
        const loop = "errors = []\nfor i in range(50):\n    try:\n        " +
          `tools.filesystem.write_file(path=f"${dir}/d{i}.txt", content="x")\n` +
          "    except ToolError as e:\n        errors.append(str(e))\nerrors";
        const r = await run(loop);
        assert.equal(r.ok, true, JSON.stringify(r.error));
        assert.equal(questions.length, 1);
        const errors = r.result as string[];
        assert.equal(errors.length, 50);
        assert.match(errors[0], /declined it/);
        assert.match(errors[0], /refused without asking/);
        assert.match(errors[49], /declined .* earlier in this run/);
        assert.equal(await exists(`${dir}/d0.txt`), false);
        // A new run asks again; calls already waiting behind the question are refused with it.
        const gathered = await run(
          "import asyncio\nr = await asyncio.gather(*[tools.filesystem.write_file.aio(" +
            `path=f"${dir}/g{i}.txt", content="x") for i in range(5)], return_exceptions=True)\n` +
            "[str(e) for e in r]",
        );
        assert.equal(gathered.ok, true, JSON.stringify(gathered.error));
        assert.equal(questions.length, 2);
        assert.equal(
          (gathered.result as string[]).filter((e) => /earlier in this run/.test(e)).length,
          4,
        );
        // "Ask again" keeps asking.
        state.answer = () => ({ action: "accept", content: { approve: false, ask_again: true } });
        const again = await run(loop.replace("range(50)", "range(3)"));
        assert.equal(again.ok, true, JSON.stringify(again.error));
        assert.equal(questions.length, 5);
      });
    } finally {
      await server?.close();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});

Deno.test({
  name: "approval questions: the cap per run; long values cut when the setting says so",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "approval-cap-" });
    const { server, questions } = await asking(dir, {
      max_questions_per_execution: 3,
      long_arguments: "cut",
    });
    try {
      const r = await execute(
        server,
        "out = []\nfor i in range(6):\n    try:\n        " +
          `tools.filesystem.write_file(path=f"${dir}/c{i}.txt", content="x")\n` +
          "        out.append('written')\n    except ToolError as e:\n        out.append(str(e))\nout",
      );
      assert.equal(r.ok, true, JSON.stringify(r.error));
      assert.equal(questions.length, 3);
      const out = r.result as string[];
      assert.deepEqual(out.slice(0, 3), ["written", "written", "written"]);
      for (const message of out.slice(3)) {
        assert.match(message, /approval\.max_questions_per_execution \(3\)/);
      }
      assert.equal(await exists(`${dir}/c3.txt`), false);
      // The cap is per run.
      const next = await execute(
        server,
        `tools.filesystem.write_file(path="${dir}/next.txt", content="x")`,
      );
      assert.equal(next.ok, true, JSON.stringify(next.error));
      assert.equal(questions.length, 4);
      // long_arguments "cut": the question says what it does not show; the whole value is sent.
      const long = "z".repeat(10_000);
      const cut = await execute(
        server,
        `tools.filesystem.write_file(path="${dir}/long.txt", content=${JSON.stringify(long)})`,
      );
      assert.equal(cut.ok, true, JSON.stringify(cut.error));
      assert.equal(questions.length, 5);
      assert.match(questions[4], /\(1 long value is cut below, 9,800 characters not shown/);
      assert.ok(questions[4].includes(`"${"z".repeat(200)}" [… 9,800 more characters not shown]`));
      assert.equal(await Deno.readTextFile(`${dir}/long.txt`), long);
    } finally {
      await server.close();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});
