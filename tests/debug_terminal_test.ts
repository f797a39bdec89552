/**
 * `deno task debug` at a pseudo-terminal, as a person runs it: the README's demo answered `y`;
 * each approval answer (y, r, s, n) and what it does to the run; Ctrl-C at a question and while a
 * program runs; a program's terminal control sequences shown escaped, never sent raw. Each test
 * waits for the question's text before it types an answer (no fixed sleeps).
 */
import assert from "node:assert/strict";
import { approvingUpstreams, exists } from "../support/approvals.ts";
import { type PtyRun, startPty } from "../support/pty.ts";
import { root, writeConfig } from "../support/server.ts";
import { waitFor } from "../support/wait.ts";

const QUESTION = /\[n\]o: ?/;
const VERDICT = /→ (ok|error)\b/;
/** Raw control characters a terminal would act on (newline and tab are fine). */
// deno-lint-ignore no-control-regex
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

const ENV = { NO_COLOR: "1", OPENAI_API_KEY: "", OPENAI_BASE_URL: "" };

/** `deno task debug ARGS` at a terminal in the project folder. */
function debugAtTerminal(args: string[], env: Record<string, string> = {}): PtyRun {
  return startPty([Deno.execPath(), "task", "debug", ...args], {
    cwd: root,
    env: { ...ENV, ...env },
  });
}

/** Answers every question with `answers` in turn until the verdict line; returns how many came. */
async function answerUntilVerdict(run: PtyRun, answers: string[]): Promise<number> {
  let from = 0;
  let asked = 0;
  while (true) {
    const pattern = new RegExp(`${QUESTION.source}|${VERDICT.source}`);
    const text = await run.waitFor(pattern, "a question or the verdict", { from });
    const rest = text.slice(from);
    const question = rest.search(QUESTION);
    const verdict = rest.search(VERDICT);
    if (verdict >= 0 && (question < 0 || verdict < question)) return asked;
    assert.ok(asked < answers.length, `more questions than answers:\n${text}`);
    from += question + 1;
    await run.type(`${answers[asked++]}\n`);
  }
}

/** A config asking before destructive calls of the real filesystem server over `dir`. */
async function approvingSetup(prefix: string) {
  const dir = await Deno.makeTempDir({ prefix });
  const config = `${root}${
    writeConfig({ servers: approvingUpstreams(dir), sandbox: { pool_size: 1 } })
  }`;
  const program = `${dir}/program.py`;
  return {
    dir,
    config,
    program,
    cleanup: async () => {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
      await Deno.remove(config).catch(() => {});
    },
  };
}

const TWO_WRITES = (dir: string) =>
  `tools.filesystem.write_file(path="${dir}/a.txt", content="a")\n` +
  `tools.filesystem.write_file(path="${dir}/b.txt", content="b")\n` +
  `print("both written")\n`;

Deno.test({
  name: "at a terminal: the README's demo answered y ends → ok, its waiting time shown apart",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const workspace = await Deno.makeTempDir({ prefix: "debug-demo-" });
    const run = debugAtTerminal(["--code", "examples/report.py"], {
      MCP_CODE_MODE_WORKSPACE: workspace,
    });
    try {
      const asked = await answerUntilVerdict(run, ["y", "y", "y", "y"]);
      const code = await run.exited;
      const out = run.output();
      assert.ok(asked >= 1, out);
      assert.match(out, /→ ok in [\d.]+ m?s \(plus [\d.]+ m?s waiting for you\), \d+ tool call/);
      assert.match(out, /approved once/);
      assert.match(out, /files in the workspace: .*hello\.txt/);
      assert.doesNotMatch(out, /before initialization|Uncaught/);
      assert.equal(code, 0, out);
      assert.ok(await exists(`${workspace}/hello.txt`));
    } finally {
      await run.close();
      await Deno.remove(workspace, { recursive: true }).catch(() => {});
    }
  },
});

for (
  const [answer, questions, shown] of [
    ["y", 2, /approved once/],
    ["r", 1, /approved for the rest of this run/],
    ["s", 1, /approved for the rest of this session/],
  ] as const
) {
  Deno.test({
    name: `at a terminal: answering ${answer} lets the calls through (${questions} question(s))`,
    sanitizeResources: false,
    sanitizeOps: false,
    async fn() {
      const setup = await approvingSetup(`debug-${answer}-`);
      await Deno.writeTextFile(setup.program, TWO_WRITES(setup.dir));
      const run = debugAtTerminal(["--config", setup.config, "--code", setup.program]);
      try {
        const asked = await answerUntilVerdict(run, [answer, answer]);
        const code = await run.exited;
        const out = run.output();
        assert.equal(asked, questions, out);
        assert.match(out, shown);
        assert.match(out, /→ ok in .*, 2 tool call\(s\)/);
        assert.match(out, /stdout:\nboth written/);
        assert.equal(code, 0, out);
        assert.equal(await Deno.readTextFile(`${setup.dir}/a.txt`), "a");
        assert.equal(await Deno.readTextFile(`${setup.dir}/b.txt`), "b");
      } finally {
        await run.close();
        await setup.cleanup();
      }
    },
  });
}

Deno.test({
  name: "at a terminal: answering n refuses the call, the result says so, the exit code is 1",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const setup = await approvingSetup("debug-n-");
    await Deno.writeTextFile(setup.program, TWO_WRITES(setup.dir));
    const run = debugAtTerminal(["--config", setup.config, "--code", setup.program]);
    try {
      const asked = await answerUntilVerdict(run, ["n"]);
      const code = await run.exited;
      const out = run.output();
      assert.equal(asked, 1, out);
      assert.match(out, /\n {2}declined\n/);
      assert.match(out, /→ error in .*, 1 tool call\(s\)/);
      assert.match(out, /✗ filesystem\.write_file/);
      assert.match(out, /filesystem\.write_file was not called: the person declined it/);
      assert.equal(code, 1, out);
      assert.equal(await exists(`${setup.dir}/a.txt`), false);
    } finally {
      await run.close();
      await setup.cleanup();
    }
  },
});

Deno.test({
  name: "at a terminal: Ctrl-C at a question keeps what was printed, says interrupted, exits 130",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const setup = await approvingSetup("debug-ctrlc-");
    await Deno.writeTextFile(setup.program, TWO_WRITES(setup.dir));
    const run = debugAtTerminal(["--config", setup.config, "--code", setup.program]);
    try {
      await run.waitFor(QUESTION, "the question");
      await run.type("\x03");
      const code = await run.exited;
      const out = run.output();
      assert.match(out, /── execute_code .*program\.py/);
      assert.match(out, /write_file\(path=/, "the program listing is still there");
      assert.match(out, /interrupted \(Ctrl-C\)/);
      assert.doesNotMatch(out, /Uncaught|before initialization/);
      assert.equal(code, 130, out);
      assert.equal(await exists(`${setup.dir}/a.txt`), false);
    } finally {
      await run.close();
      await setup.cleanup();
    }
  },
});

Deno.test({
  name: "at a terminal: Ctrl-C while a program runs prints what the client has and exits 130",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const setup = await approvingSetup("debug-ctrlc-run-");
    await Deno.writeTextFile(
      setup.program,
      `tools.filesystem.write_file(path="${setup.dir}/a.txt", content="a")\nwhile True:\n    pass\n`,
    );
    const run = debugAtTerminal(["--config", setup.config, "--code", setup.program]);
    try {
      await run.waitFor(QUESTION, "the question");
      await run.type("y\n");
      await run.waitFor(/approved once\n/, "the answer's echo");
      await waitFor(() => exists(`${setup.dir}/a.txt`), "the approved write");
      await run.type("\x03");
      const code = await run.exited;
      const out = run.output();
      assert.match(out, /approved once/, "what was printed before stays");
      assert.match(out, /interrupted \(Ctrl-C\)/);
      assert.doesNotMatch(out, /Uncaught/);
      assert.equal(code, 130, out);
      assert.equal(await Deno.readTextFile(`${setup.dir}/a.txt`), "a");
    } finally {
      await run.close();
      await setup.cleanup();
    }
  },
});

Deno.test({
  name: "at a terminal: a program's title, clear-screen and clipboard sequences arrive escaped",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const setup = await approvingSetup("debug-escape-");
    await Deno.writeTextFile(
      setup.program,
      [
        "from sys import stderr",
        'print("\\x1b]0;pwned title\\x07\\x1b[2J\\x1b]52;c;ZWNobyBoaQ==\\x07 after")',
        'print("\\x9b31m on stderr\\r", file=stderr)',
        "try:",
        `    tools.filesystem.write_file(path="${setup.dir}/\\x1b[2Jevil.txt", content="\\x1b]0;t\\x07")`,
        "except Exception as e:",
        '    print("refused:", e)',
        'raise ValueError("\\x1b[31mboom\\x1b]0;err\\x07")',
      ].join("\n"),
    );
    const run = debugAtTerminal(["--config", setup.config, "--code", setup.program]);
    try {
      await answerUntilVerdict(run, ["n"]);
      const code = await run.exited;
      const out = run.output();
      assert.match(out, /evil\.txt/, "the question was shown");
      assert.match(out, /\\x1b\]0;pwned title\\x07\\x1b\[2J\\x1b\]52;c;ZWNobyBoaQ==\\x07 after/);
      assert.match(out, /\\x9b31m on stderr\\r/);
      assert.match(out, /ValueError: \\x1b\[31mboom\\x1b\]0;err\\x07/);
      const raw = out.match(RAW_CONTROL);
      assert.equal(raw, null, `a raw ${JSON.stringify(raw?.[0])} reached the terminal:\n${out}`);
      assert.equal(code, 1, out);
    } finally {
      await run.close();
      await setup.cleanup();
    }
  },
});
