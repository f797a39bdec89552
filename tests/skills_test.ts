/**
 * Skills through the real server, the real SDK client, a real upstream (server-filesystem) and
 * the real sandbox: saving (and every refused save, with its code and nothing written), calling a
 * saved skill from a later execution, help() and dir(), a skill calling a skill, a hand-edited file
 * that breaks the policy (listed invalid, cannot be called), the description and search_tools
 * after notifications/tools/list_changed, and a skill's tool calls counting toward the cap.
 */
import assert from "node:assert/strict";
import { ToolListChangedNotificationSchema } from "../src/mcp_sdk.ts";
import { execute, startServer, type TestServer } from "../support/server.ts";
import { denoServer, PACKAGES } from "../support/upstreams.ts";
import { startFakeLlm } from "../support/fake_llm.ts";
import { run as runIn } from "../support/sessions.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

const READ_NOTE = `"""Reads a note from the workspace and returns its text."""


def read_note(name: str) -> str:
    return tools.filesystem.read_text_file(path=f"{WORKSPACE}/{name}")["content"]
`;

async function save(server: TestServer, args: Record<string, unknown>) {
  const response = await server.client.callTool(
    { name: "save_skill", arguments: args },
    undefined,
    { timeout: 120_000 },
  );
  const content = response.content as Array<{ type: string; text: string }>;
  return {
    isError: response.isError === true,
    text: content[0]?.text ?? "",
    structured: response.structuredContent as {
      ok: boolean;
      error?: { code: string; message: string; violations?: unknown[] };
    },
  };
}

async function listing(dir: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) names.push(entry.name);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return names.sort();
}

/** Resolves at the next notifications/tools/list_changed. */
function nextListChanged(server: TestServer): Promise<void> {
  return new Promise((resolve) => {
    server.client.setNotificationHandler(ToolListChangedNotificationSchema, () => resolve());
  });
}

async function withServer(
  fn: (server: TestServer, dirs: { work: string; skills: string }) => Promise<void>,
  sandbox: Record<string, unknown> = {},
  env: Record<string, string> = {},
) {
  const work = await Deno.realPath(await Deno.makeTempDir({ prefix: "skills-ws-" }));
  const skills = `${await Deno.makeTempDir({ prefix: "skills-dir-" })}/skills`;
  await Deno.writeTextFile(`${work}/note.txt`, "hello from the note");
  const server = await startServer({
    config: {
      servers: { filesystem: denoServer(PACKAGES.filesystem, { dir: work, args: [work] }) },
      sandbox: { pool_size: 1, ...sandbox },
      skills: { dir: skills },
      agent: { max_iterations: 1, max_retries: 0 },
    },
    env,
  });
  try {
    await fn(server, { work, skills });
  } finally {
    await server.close();
    await Deno.remove(work, { recursive: true }).catch(() => {});
    await Deno.remove(skills.replace(/\/skills$/, ""), { recursive: true }).catch(() => {});
  }
}

Deno.test(
  "skills: save, call, help, skill calling skill, refusals, hand edits",
  opts,
  async (t) => {
    await withServer(async (server, { work, skills }) => {
      const readNote = READ_NOTE.replace("{WORKSPACE}", work);

      await t.step("refused saves: each code, nothing written", async () => {
        const cases: Array<[Record<string, unknown>, string]> = [
          [{ name: "Bad-Name", code: "def f(): pass" }, "INVALID_INPUT"],
          [{ name: "../x", code: "def x(): pass" }, "INVALID_INPUT"],
          [{ name: "class", code: "def f(): pass" }, "INVALID_INPUT"],
          [{ name: "broken", code: "def broken(:\n    pass\n" }, "SYNTAX_ERROR"],
          [
            { name: "sneaky", code: "import os\n\ndef sneaky():\n    return os.getcwd()\n" },
            "POLICY_VIOLATION",
          ],
          [{ name: "missing", code: '"""No function."""\nx = 1\n' }, "INVALID_INPUT"],
        ];
        for (const [args, code] of cases) {
          const r = await save(server, args);
          assert.equal(r.isError, true, r.text);
          assert.equal(r.structured.error?.code, code, r.text);
          assert.deepEqual(await listing(skills), [], `nothing written for ${args.name}`);
        }
        const policy = await save(server, cases[4][0]);
        assert.equal(policy.structured.error?.violations?.length, 1, policy.text);
        // `../x` wrote nothing beside the folder either (the folder itself was never created).
        assert.deepEqual(await listing(`${skills}/..`), []);
      });

      await t.step(
        "a saved skill calls a real upstream from a later, fresh execution",
        async () => {
          const r = await save(server, { name: "read_note", code: readNote });
          assert.equal(r.isError, false, r.text);
          assert.deepEqual(await listing(skills), ["read_note.py"]);
          assert.equal(await Deno.readTextFile(`${skills}/read_note.py`), readNote);
          const run = await execute(server, 'skills.read_note("note.txt")');
          assert.equal(run.ok, true, run.text);
          assert.equal(run.result, "hello from the note", run.text);
          assert.deepEqual(run.tool_calls.map((c) => `${c.server}.${c.tool}`), [
            "filesystem.read_text_file",
          ]);
        },
      );

      await t.step("exists without overwrite is refused; overwrite replaces", async () => {
        const r = await save(server, { name: "read_note", code: "def read_note(): return 1\n" });
        assert.equal(r.structured.error?.code, "ALREADY_EXISTS", r.text);
        assert.equal(await Deno.readTextFile(`${skills}/read_note.py`), readNote);
        assert.deepEqual(await listing(skills), ["read_note.py"]);
      });

      await t.step("help() and dir()", async () => {
        const run = await execute(server, "help(skills.read_note)\ndir(skills)");
        assert.equal(run.ok, true, run.text);
        assert.match(run.stdout, /read_note\(name: str\) -> str/);
        assert.match(run.stdout, /Reads a note from the workspace/);
        assert.deepEqual(run.result, ["read_note"]);
      });

      await t.step("a skill calling a skill; the description becomes the docstring", async () => {
        const r = await save(server, {
          name: "shout_note",
          code: "def shout_note(name):\n    return skills.read_note(name).upper()\n",
          description: "The note in capitals.",
        });
        assert.equal(r.isError, false, r.text);
        assert.match(
          await Deno.readTextFile(`${skills}/shout_note.py`),
          /^"""The note in capitals."""/,
        );
        const run = await execute(server, 'skills.shout_note("note.txt")');
        assert.equal(run.result, "HELLO FROM THE NOTE", run.text);
        assert.equal(run.tool_calls.length, 1);
      });

      await t.step("inside a session, with a skill saved after the session started", async () => {
        const first = await runIn(server.client, 'note = skills.read_note("note.txt")\nlen(note)', {
          session: "skills",
        });
        assert.equal(first.result, 19, first.text);
        const saved = await save(server, {
          name: "shout",
          code: '"""Capitals."""\n\ndef shout(text):\n    return text.upper()\n',
        });
        assert.equal(saved.isError, false, saved.text);
        const second = await runIn(server.client, "skills.shout(note)", { session: "skills" });
        assert.equal(second.result, "HELLO FROM THE NOTE", second.text);
        assert.equal(second.session?.state, "resumed", second.text);
      });

      await t.step(
        "a hand-edited file that breaks the policy is listed invalid, never run",
        async () => {
          const changed = nextListChanged(server);
          await Deno.writeTextFile(
            `${skills}/evil.py`,
            '"""Looks around."""\nimport os\n\ndef evil():\n    print("ran")\n    return os.getcwd()\n',
          );
          await changed;
          const found = await server.client.callTool({
            name: "search_tools",
            arguments: { query: "evil" },
          });
          const text = (found.content as Array<{ text: string }>)[0].text;
          assert.match(text, /# skill \(invalid: .*import/);
          const run = await execute(server, "skills.evil()");
          assert.equal(run.ok, false, run.text);
          assert.equal(run.error?.type, "SkillError", run.text);
          assert.match(run.error?.message ?? "", /invalid/);
          assert.doesNotMatch(run.stdout, /ran/);
          const others = await execute(server, 'skills.read_note("note.txt")');
          assert.equal(others.ok, true, others.text);
        },
      );
    });
  },
);

Deno.test(
  "skills: the description and search_tools show a new skill after list_changed",
  opts,
  async () => {
    await withServer(async (server) => {
      const before = await server.client.listTools();
      const description = (name: string, tools: typeof before) =>
        tools.tools.find((tool) => tool.name === name)?.description ?? "";
      assert.doesNotMatch(description("execute_code", before), /count_words/);
      const changed = nextListChanged(server);
      const r = await save(server, {
        name: "count_words",
        code:
          '"""Counts the words of a text."""\n\ndef count_words(text):\n    return len(text.split())\n',
      });
      assert.equal(r.isError, false, r.text);
      await changed;
      const after = await server.client.listTools();
      assert.match(
        description("execute_code", after),
        /\nskills: count_words \(Counts the words of a text\.\)/,
      );
      const found = await server.client.callTool({
        name: "search_tools",
        arguments: { query: "count words" },
      });
      const text = (found.content as Array<{ text: string }>)[0].text;
      assert.match(text, /^# skill\nskills\.count_words\(text\) {2}# Counts the words of a text/);
      const structured = found.structuredContent as { skills?: Array<{ skill: string }> };
      assert.deepEqual(structured.skills?.map((s) => s.skill), ["count_words"]);
    });
  },
);

Deno.test("skills: a skill's tool calls count toward max_tool_calls", opts, async () => {
  await withServer(async (server, { work }) => {
    const r = await save(server, {
      name: "read_many",
      code:
        `def read_many(times):\n    return [tools.filesystem.read_text_file(path="${work}/note.txt") for _ in range(times)]\n`,
    });
    assert.equal(r.isError, false, r.text);
    const run = await execute(server, "skills.read_many(5)");
    assert.equal(run.error?.code, "TOOL_CALL_LIMIT", run.text);
    assert.equal(run.tool_calls.length, 3);
  }, { max_tool_calls: 3 });
});

Deno.test(
  "skills: run_agent's prompt lists the skills and its program may call them",
  opts,
  async () => {
    const llm = startFakeLlm();
    try {
      await withServer(
        async (server) => {
          const saved = await save(server, {
            name: "double_it",
            code: '"""Doubles a number."""\n\ndef double_it(n: int) -> int:\n    return 2 * n\n',
          });
          assert.equal(saved.isError, false, saved.text);
          llm.script({ content: "```python\nskills.double_it(21)\n```" });
          const response = await server.client.callTool(
            { name: "run_agent", arguments: { task: "Double 21" } },
            undefined,
            { timeout: 120_000 },
          );
          const out = response.structuredContent as { ok: boolean; answer?: unknown };
          assert.equal(out.answer, 42, JSON.stringify(out));
          const system = llm.requests.at(-1)!.messages[0].content;
          assert.match(system, /Saved skills \(working code/);
          assert.match(system, /skills\.double_it\(n: int\) -> int {2}# Doubles a number\./);
        },
        {},
        { OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: llm.baseURL },
      );
    } finally {
      await llm.close();
    }
  },
);
