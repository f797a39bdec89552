/**
 * The pure parts of approvals: which calls need approval (rules × annotations × patterns), the
 * `approve` / `approval` settings and the JSON paths their errors name, arguments cut and
 * redacted for the audit log (the question's text is in approval_question_text_test.ts), the
 * pausable deadline (injected clock), the mapping of every answer to a decision (which refusals
 * hold for the run), the audit log's lines, and the
 * `# needs approval` marks of stubs and the execute_code description.
 */
import assert from "node:assert/strict";
import { ApprovalConfigSchema } from "../src/approval/approval_config.ts";
import { cutArguments } from "../src/approval/arguments.ts";
import { AuditLog } from "../src/approval/audit_log.ts";
import {
  askApproval,
  type Asker,
  type Decision,
  type ElicitAnswer,
} from "../src/approval/elicit.ts";
import { McpErrorCode } from "../src/mcp_sdk.ts";
import { needsApproval } from "../src/approval/classify.ts";
import { matches } from "../src/broker/tool_filter.ts";
import { parseConfig } from "../src/config.ts";
import { renderStub, renderSummary } from "../src/formatting/python_stub.ts";
import { executeCodeDescription } from "../src/formatting/tool_index.ts";
import { Deadline } from "../src/sandbox_host/deadline.ts";

Deno.test("needsApproval: rules against annotations", () => {
  const tools = {
    readOnly: { name: "read_file", annotations: { readOnlyHint: true } },
    destructive: {
      name: "write_file",
      annotations: { readOnlyHint: false, destructiveHint: true },
    },
    additive: {
      name: "create_entities",
      annotations: { readOnlyHint: false, destructiveHint: false },
    },
    unmarked: { name: "mystery" },
    emptyHints: { name: "other", annotations: {} },
    // readOnlyHint wins: destructiveHint means nothing on a read-only tool.
    contradictory: { name: "odd", annotations: { readOnlyHint: true, destructiveHint: true } },
  };
  const table: Record<string, Record<keyof typeof tools, boolean>> = {
    none: {
      readOnly: false,
      destructive: false,
      additive: false,
      unmarked: false,
      emptyHints: false,
      contradictory: false,
    },
    destructive: {
      readOnly: false,
      destructive: true,
      additive: false,
      unmarked: true,
      emptyHints: true,
      contradictory: false,
    },
    writes: {
      readOnly: false,
      destructive: true,
      additive: true,
      unmarked: true,
      emptyHints: true,
      contradictory: false,
    },
  };
  for (const [rule, expected] of Object.entries(table)) {
    for (const [label, tool] of Object.entries(tools)) {
      const got = needsApproval(rule as "none", tool, matches);
      assert.equal(got, expected[label as keyof typeof tools], `${rule} × ${label}`);
    }
  }
  assert.equal(needsApproval(undefined, tools.unmarked, matches), false, "absent is none");
});

Deno.test("needsApproval: patterns ignore annotations", () => {
  const rule = ["write_file", "delete_*", "*_graph", "{edit,move}_file"];
  const check = (name: string, readOnlyHint = false) =>
    needsApproval(rule, { name, annotations: { readOnlyHint } }, matches);
  assert.equal(check("write_file"), true);
  assert.equal(check("delete_entities"), true);
  assert.equal(check("read_graph", true), true, "a pattern asks even for a read-only tool");
  assert.equal(check("write_file_2"), false, "patterns match whole names");
  assert.equal(check("move_file"), true, "the glob syntax of tools.allow: braces");
  assert.equal(check("read_file"), false);
  assert.equal(needsApproval([], { name: "write_file" }, matches), false);
});

Deno.test("config: approve and approval, bad values name their JSON path", () => {
  const server = (approve: unknown) =>
    JSON.stringify({ servers: { fs: { command: "x", approve } } });
  const ok = parseConfig(server(["write_file", "delete_*"]));
  assert.ok(ok.ok);
  assert.deepEqual(ok.config.servers.fs.approve, ["write_file", "delete_*"]);
  assert.deepEqual(ok.config.approval, {
    timeout_ms: 120_000,
    without_elicitation: "deny",
    audit_max_bytes: 64 * 1024 * 1024,
    redact: [],
    max_questions_per_execution: 10,
    question_max_chars: 4000,
    long_arguments: "refuse",
  });
  const unknown = parseConfig(server("destructiv"));
  assert.ok(!unknown.ok);
  assert.match(unknown.message, /at servers\.fs\.approve: unknown value "destructiv"; use "none"/);
  const badPattern = parseConfig(server(["write_file", " "]));
  assert.ok(!badPattern.ok);
  assert.match(badPattern.message, /at servers\.fs\.approve\.1: a tool-name pattern/);
  const notString = parseConfig(server(true));
  assert.ok(!notString.ok);
  assert.match(notString.message, /at servers\.fs\.approve: use "none"/);
  const http = parseConfig(
    JSON.stringify({ servers: { web: { url: "http://127.0.0.1:1/mcp", approve: "all" } } }),
  );
  assert.ok(!http.ok);
  assert.match(http.message, /at servers\.web\.approve: unknown value "all"/);
  const setting = parseConfig(JSON.stringify({ approval: { without_elicitation: "ask" } }));
  assert.ok(!setting.ok);
  assert.match(setting.message, /at approval\.without_elicitation:/);
  const relative = parseConfig(JSON.stringify({ approval: { audit_log: "logs/audit.jsonl" } }), {
    path: "/srv/code-mode/mcp_servers.json",
  });
  assert.ok(relative.ok);
  assert.equal(relative.config.approval.audit_log, "/srv/code-mode/logs/audit.jsonl");
  const hide = parseConfig(JSON.stringify({ approval: { long_arguments: "hide" } }));
  assert.ok(!hide.ok);
  assert.match(hide.message, /at approval\.long_arguments:/);
  const none = parseConfig(JSON.stringify({ approval: { max_questions_per_execution: 0 } }));
  assert.ok(!none.ok);
  assert.match(none.message, /at approval\.max_questions_per_execution:/);
  const extra = parseConfig(JSON.stringify({ approval: { audit: "x.jsonl" } }));
  assert.ok(!extra.ok);
  assert.match(extra.message, /at approval: unknown key\(s\) "audit"/);
});

Deno.test("cutArguments: long strings and lists cut, keys redacted at any depth", () => {
  const args = {
    path: "a.txt",
    content: "x".repeat(250),
    nested: { token: "s3cret", list: [{ token: "t" }, "y".repeat(201)] },
    many: Array.from({ length: 60 }, (_, i) => i),
    n: 5,
    flag: null,
  };
  const cut = cutArguments(args, { maxChars: 200, redact: ["token"] }) as typeof args;
  assert.equal(cut.path, "a.txt");
  assert.equal(cut.content, "x".repeat(200) + "… [50 more characters]");
  assert.equal(cut.nested.token, "[redacted]");
  assert.deepEqual(cut.nested.list[0], { token: "[redacted]" });
  assert.equal(cut.nested.list[1], "y".repeat(200) + "… [1 more characters]");
  assert.equal(cut.many.length, 51);
  assert.equal(cut.many[50], "[… 10 more]");
  assert.equal(cut.n, 5);
  assert.equal(cut.flag, null);
  assert.equal(args.content.length, 250, "the input is not changed");
});

Deno.test("Deadline: paused time does not count; nested pauses; resume reports the rest", () => {
  let now = 0;
  const events: string[] = [];
  const deadline = new Deadline({
    ms: 1000,
    now: () => now,
    onExpire: () => events.push("expired"),
    onPause: () => events.push("pause"),
    onResume: (ms) => events.push(`resume ${ms}`),
  });
  try {
    now = 300;
    assert.equal(deadline.remainingMs, 700);
    const first = deadline.pause();
    const second = deadline.pause();
    now = 5000; // a person took their time
    assert.equal(deadline.remainingMs, 700);
    first();
    first(); // twice is once
    assert.deepEqual(events, ["pause"], "still paused by the second");
    second();
    assert.deepEqual(events, ["pause", "resume 700"]);
    now = 5200;
    assert.equal(deadline.remainingMs, 500);
  } finally {
    deadline.stop();
  }
  deadline.pause()();
  assert.deepEqual(events, ["pause", "resume 700"], "a stopped deadline ignores pauses");
});

Deno.test("stubs and the description mark tools that need approval", () => {
  const tool = { name: "write_file", description: "Write a file. Overwrites.", inputSchema: {} };
  const options = { pyName: "write_file", pyServer: "fs" };
  const marked = renderStub(tool, { ...options, needsApproval: true });
  assert.match(marked.text, /^# needs approval\ndef write_file/);
  assert.match(marked.doc, /Needs approval: .*APPROVAL_DENIED/);
  const plain = renderStub(tool, options);
  assert.doesNotMatch(plain.text + plain.doc, /approval/i);
  assert.equal(
    renderSummary(tool, { ...options, needsApproval: true }),
    "def write_file() -> Any: ...  # needs approval; Write a file.",
  );
  const servers = [{
    name: "fs",
    pyName: "fs",
    status: "ready" as const,
    reason: "",
    tools: ["write_file"],
  }];
  assert.match(executeCodeDescription(servers, { approvals: true }), /APPROVAL_DENIED/);
  assert.doesNotMatch(executeCodeDescription(servers), /APPROVAL_DENIED/);
});

Deno.test("askApproval: every answer, and no answer, maps to a decision that says which", async () => {
  const ref = { server: "fs", tool: "write_file", py_server: "fs", py_name: "write_file", doc: "" };
  const config = ApprovalConfigSchema.parse({ timeout_ms: 5000 });
  const signal = new AbortController().signal;
  const asking = (reply: () => Promise<ElicitAnswer>): Asker => ({
    unavailable: () => undefined,
    ask: reply,
  });
  const question = {
    message: "Allow?",
    requestedSchema: { type: "object" as const, properties: {} },
  };
  const decide = (asker: Asker, c = config) =>
    askApproval(asker, ref, question, { config: c, signal });
  const answer = (a: ElicitAnswer) => decide(asking(() => Promise.resolve(a)));
  const denied = async (d: Promise<Decision>) => {
    const got = await d;
    assert.ok(!got.ok);
    return got.message;
  };
  assert.deepEqual(await answer({ action: "accept", content: { approve: true } }), {
    ok: true,
    scope: "once",
  });
  assert.deepEqual(
    await answer({ action: "accept", content: { approve: true, scope: "session" } }),
    { ok: true, scope: "session" },
  );
  const sticky = async (d: Promise<Decision>) => {
    const got = await d;
    assert.ok(!got.ok);
    assert.match(got.message, /Further calls of this tool in this run are refused without asking/);
    return got.sticky;
  };
  assert.match(
    await denied(answer({ action: "decline" })),
    /^fs\.write_file was not called: .*declined/,
  );
  assert.equal(await sticky(answer({ action: "decline" })), "declined it");
  assert.match(await denied(answer({ action: "cancel" })), /dismissed the question \(cancel\)/);
  assert.equal(await sticky(answer({ action: "cancel" })), "dismissed the question (cancel)");
  assert.match(
    await denied(answer({ action: "accept", content: { approve: false } })),
    /approve = false/,
  );
  assert.equal(
    await sticky(answer({ action: "accept", content: { approve: false } })),
    "answered approve = false",
  );
  const askAgain = await answer({ action: "accept", content: { approve: false, ask_again: true } });
  assert.deepEqual(askAgain, {
    ok: false,
    message: "fs.write_file was not called: the person answered approve = false.",
  });
  const timeout = Object.assign(new Error("Request timed out"), {
    code: McpErrorCode.RequestTimeout,
  });
  assert.match(
    await denied(decide(asking(() => Promise.reject(timeout)))),
    /within approval\.timeout_ms \(5000 ms\)/,
  );
  assert.match(
    (await sticky(decide(asking(() => Promise.reject(timeout))))) ?? "",
    /did not answer/,
  );
  const broken = await decide(asking(() => Promise.reject(new Error("connection closed"))));
  assert.ok(!broken.ok && broken.sticky === undefined, "a failure to ask does not stick");
  const cannot: Asker = {
    unavailable: () => "it does not support elicitation",
    ask: () => {
      throw new Error("not asked");
    },
  };
  assert.match(
    await denied(decide(cannot)),
    /cannot be asked \(it does not support elicitation\).*approval\.without_elicitation.*"allow"/,
  );
  const allow = ApprovalConfigSchema.parse({ without_elicitation: "allow" });
  assert.deepEqual(await decide(cannot, allow), { ok: true });
});

Deno.test("AuditLog: lines in order, values cut and redacted", async () => {
  const dir = await Deno.makeTempDir({ prefix: "audit-" });
  const record = (i: number) => ({
    time: new Date(0).toISOString(),
    session: "stdio",
    execution: "e1",
    server: "fs",
    tool: "write_file",
    arguments: { path: `${i}.txt`, content: "c".repeat(300), token: "s3cret" },
    approval: "approved" as const,
    ok: true,
    ms: 1,
  });
  try {
    const audit = new AuditLog(`${dir}/audit.jsonl`, ["token"]);
    for (let i = 0; i < 30; i++) audit.record(record(i));
    await audit.flush();
    const lines = (await Deno.readTextFile(`${dir}/audit.jsonl`)).trim().split("\n")
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      lines.map((l) => l.arguments.path),
      [...Array(30).keys()].map((i) => `${i}.txt`),
    );
    assert.equal(lines[0].arguments.token, "[redacted]");
    assert.equal(lines[0].arguments.content, "c".repeat(200) + "… [100 more characters]");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
