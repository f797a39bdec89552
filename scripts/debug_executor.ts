/**
 * `deno task debug "<task>"` or `deno task debug --code FILE`: an MCP client that starts the
 * server over stdio (the same way a client would), lists its tools, then runs a task through
 * `run_agent` (or a Python file through `execute_code`) and prints every step readably. Tool
 * calls that need a person's approval are asked on the terminal (or approved by `--approve`).
 */
import { taskFlags } from "./task_flags.ts";
import { parseArgs } from "node:util";
import { Client, ElicitRequestSchema, StdioClientTransport } from "../src/mcp_sdk.ts";

const USAGE = `Usage:
  deno task debug "<task>"          run a task through run_agent (needs OPENAI_API_KEY)
  deno task debug --code FILE.py    run a Python file through execute_code
Options:
  --config PATH   the server's configuration (default ./mcp_servers.json)
  --quiet         do not print the server's stderr
  --approve       approve every tool call that asks for approval (default: ask on the terminal)
`;

const { values, positionals } = parseArgs({
  args: Deno.args,
  options: {
    code: { type: "string" },
    config: { type: "string" },
    quiet: { type: "boolean" },
    approve: { type: "boolean" },
    help: { type: "boolean" },
  },
  allowPositionals: true,
});
if (values.help || (!values.code && !positionals.length)) {
  console.log(USAGE);
  Deno.exit(values.help ? 0 : 2);
}

const root = decodeURIComponent(new URL("../", import.meta.url).pathname);
const flags = taskFlags("start");
const transport = new StdioClientTransport({
  command: Deno.execPath(),
  args: ["run", ...flags, "main.ts", ...(values.config ? ["--config", values.config] : [])],
  cwd: root,
  env: Deno.env.toObject(),
  stderr: values.quiet ? "ignore" : "inherit",
});
const client = new Client(
  { name: "mcp-code-mode-debug", version: "0.1.0" },
  { capabilities: { elicitation: {} } },
);
client.setRequestHandler(ElicitRequestSchema, (request) => answer(request.params.message));

const line = (title: string) =>
  console.log(`\n── ${title} ${"─".repeat(Math.max(0, 70 - title.length))}`);
const started = performance.now();
await client.connect(transport);
line(`connected in ${Math.round(performance.now() - started)} ms`);
const { tools } = await client.listTools();
for (const tool of tools) {
  console.log(`• ${tool.name}: ${(tool.description ?? "").split("\n")[0].slice(0, 110)}`);
}

try {
  if (values.code) {
    const code = await Deno.readTextFile(values.code);
    line(`execute_code ${values.code}`);
    console.log(code);
    const result = await client.callTool({ name: "execute_code", arguments: { code } }, undefined, {
      timeout: 600_000,
    });
    printExecution(result.structuredContent as Record<string, unknown>);
  } else if (!tools.some((tool) => tool.name === "run_agent")) {
    console.error(
      "run_agent is not listed: no LLM is configured. Set OPENAI_API_KEY (or OPENAI_BASE_URL " +
        "for a local endpoint) in the environment or in .env, then run this again.",
    );
    Deno.exitCode = 1;
  } else {
    const task = positionals.join(" ");
    line(`run_agent: ${task}`);
    const result = await client.callTool({ name: "run_agent", arguments: { task } }, undefined, {
      timeout: 600_000,
      onprogress: (p) => console.log(`  … ${p.message ?? `${p.progress}/${p.total}`}`),
    });
    const out = result.structuredContent as Record<string, unknown> | undefined;
    if (!out) {
      console.log((result.content as Array<{ text: string }>)[0]?.text);
    } else {
      for (const it of out.iterations as Array<Record<string, unknown>>) {
        line(`iteration ${it.iteration}`);
        console.log(it.code ?? `(no program: ${it.note})`);
        if (it.result) printExecution(it.result as Record<string, unknown>);
      }
      line(out.ok ? "answer" : "failed");
      console.log(JSON.stringify(out.ok ? out.answer : out.error, null, 2));
      console.log(`tools offered: ${(out.tools_offered as string[]).join(", ") || "none"}`);
      console.log(`usage: ${JSON.stringify(out.usage)}; ${out.duration_ms} ms`);
    }
  }
} finally {
  await client.close();
}

function printExecution(r: Record<string, unknown>): void {
  const calls =
    (r.tool_calls as Array<{ server: string; tool: string; ok: boolean; ms: number }>) ?? [];
  console.log(`→ ${r.ok ? "ok" : "error"} in ${r.duration_ms} ms, ${calls.length} tool call(s)`);
  for (const c of calls.slice(0, 20)) {
    console.log(`   ${c.ok ? "✓" : "✗"} ${c.server}.${c.tool} ${c.ms} ms`);
  }
  if (calls.length > 20) console.log(`   … ${calls.length - 20} more`);
  if (r.stdout) console.log(`stdout:\n${r.stdout}`);
  if (r.stderr) console.log(`stderr:\n${r.stderr}`);
  if (r.result !== undefined) console.log(`result: ${JSON.stringify(r.result)}`);
  const error = r.error as { code: string; message: string; traceback?: string } | undefined;
  if (error) {
    console.log(`${error.code}: ${error.message}${error.traceback ? `\n${error.traceback}` : ""}`);
  }
}

const SCOPES: Record<string, string> = { y: "once", r: "execution", s: "session" };

/** Answers an approval question: --approve, else the person at the terminal, else no. */
function answer(message: string) {
  console.log(`\n? ${message}`);
  if (values.approve) {
    console.log("  approved (--approve)");
    return { action: "accept" as const, content: { approve: true, scope: "once" } };
  }
  if (!Deno.stdin.isTerminal()) {
    console.log("  declined: stdin is not a terminal (pass --approve to approve every call)");
    return { action: "decline" as const };
  }
  const reply = (prompt("  [y]es once, yes for this [r]un, yes for this [s]ession, [n]o:") ?? "")
    .trim().toLowerCase().slice(0, 1);
  const scope = SCOPES[reply];
  return scope
    ? { action: "accept" as const, content: { approve: true, scope } }
    : { action: "decline" as const };
}
