/**
 * `deno task debug "<task>"` or `deno task debug --code FILE`: an MCP client that starts the
 * server over stdio (the same way a client would), lists its tools, then runs a task through
 * `run_agent` (or a Python file through `execute_code`) and prints every step readably, control
 * characters escaped. Tool calls that need a person's approval are asked on the terminal (or
 * approved by `--approve`). Ctrl-C stops the run, prints what the client has and exits 130.
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { Client, ElicitRequestSchema, StdioClientTransport } from "../src/mcp_sdk.ts";
import { terminalLine, terminalText } from "../src/formatting/terminal_text.ts";
import { type Answer, TerminalQuestions, WaitClock } from "./debug_questions.ts";
import {
  printAgent,
  printExecution,
  printTools,
  say,
  section,
  type ShownResult,
  writeRaw,
} from "./debug_print.ts";
import { Interrupt, INTERRUPTED } from "./debug_interrupt.ts";
import { taskFlags } from "./task_flags.ts";

const USAGE = `Usage:
  deno task debug "<task>"          run a task through run_agent (needs OPENAI_API_KEY)
  deno task debug --code FILE.py    run a Python file through execute_code
Options:
  --config PATH   the server's configuration (default: the project's mcp_servers.json)
  --quiet         do not print the server's stderr
  --approve       approve every tool call that asks for approval (default: ask on the terminal)
FILE and PATH are relative to the current folder.
Exit codes: 0 the run succeeded; 1 it failed (an error result, or run_agent is not offered);
  2 bad usage (an unknown flag, a missing file); 3 the server did not start, stopped answering
  or shut down during the run; 130 interrupted (Ctrl-C).
What the program, the servers or the network control is shown with its control characters
escaped (\\x1b, \\r, \\x9b, \\u202e); newlines and tabs are kept.
`;

/** The exit codes (also in USAGE and the README). */
const EXIT = { ok: 0, failed: 1, usage: 2, server: 3, interrupted: INTERRUPTED } as const;

/** How long a run the server stopped waits to learn whether Ctrl-C stopped it. */
const SIGNAL_LAG_MS = 1000;

/** What the command line asked for. */
interface Request {
  code?: { path: string; shown: string; text: string };
  task: string;
  config?: string;
  quiet: boolean;
  approve: boolean;
}

/** The folder the person ran `deno task debug` in (deno task runs scripts in the project's). */
function invokedFrom(): string {
  return Deno.env.get("INIT_CWD") || Deno.cwd();
}

/** Reads the flags and the --code file; an exit code when there is nothing to run. */
async function readRequest(args: string[]): Promise<Request | number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        code: { type: "string" },
        config: { type: "string" },
        quiet: { type: "boolean" },
        approve: { type: "boolean" },
        help: { type: "boolean" },
      },
      allowPositionals: true,
    });
  } catch (error) {
    console.error(`${(error as Error).message}. Run deno task debug --help for usage.`);
    return EXIT.usage;
  }
  const { values, positionals } = parsed;
  if (values.help || (!values.code && !positionals.length)) {
    (values.help ? console.log : console.error)(USAGE);
    return values.help ? EXIT.ok : EXIT.usage;
  }
  const request: Request = {
    task: positionals.join(" "),
    config: values.config === undefined ? undefined : resolve(invokedFrom(), values.config),
    quiet: values.quiet ?? false,
    approve: values.approve ?? false,
  };
  if (values.code === undefined) return request;
  const path = resolve(invokedFrom(), values.code);
  try {
    request.code = { path, shown: values.code, text: await Deno.readTextFile(path) };
  } catch (error) {
    const why = error instanceof Deno.errors.NotFound ? "no such file" : (error as Error).message;
    console.error(terminalText(`The file ${path} cannot be read (${why}); check the --code path.`));
    return EXIT.usage;
  }
  return request;
}

/** Answers an approval question: --approve, else the person at the terminal, else no. */
function answerer(approve: boolean, questions: TerminalQuestions) {
  return (message: string, signal: AbortSignal): Promise<Answer> | Answer => {
    if (approve) {
      say(`\n? ${terminalLine(message)}\n  approved (--approve)`);
      return { action: "accept", content: { approve: true, scope: "once" } };
    }
    if (!Deno.stdin.isTerminal()) {
      say(`\n? ${terminalLine(message)}`);
      say("  declined: stdin is not a terminal (pass --approve to approve every call)");
      return { action: "decline" };
    }
    return questions.ask(message, signal);
  };
}

/** Runs the request through the server; resolves to an exit code. */
async function run(request: Request): Promise<number> {
  const root = decodeURIComponent(new URL("../", import.meta.url).pathname);
  const config = request.config ? ["--config", request.config] : [];
  const transport = new StdioClientTransport({
    command: Deno.execPath(),
    args: ["run", ...taskFlags("start"), "main.ts", ...config],
    cwd: root,
    // Deno colours its own lines (downloads) even into a pipe; escaped, colours would be noise.
    env: { NO_COLOR: "1", ...Deno.env.toObject() },
    stderr: request.quiet ? "ignore" : "pipe",
  });
  passOnEscaped(transport.stderr);
  const client = new Client(
    { name: "mcp-code-mode-debug", version: "0.1.0" },
    { capabilities: { elicitation: {} } },
  );
  const clock = new WaitClock();
  const answer = answerer(request.approve, new TerminalQuestions({ write: writeRaw, clock }));
  client.setRequestHandler(
    ElicitRequestSchema,
    (r, extra) => answer(r.params.message, extra.signal),
  );
  const interrupt = new Interrupt(() => transport.pid);
  const work = talk(client, transport, request, clock).then(
    (code) => ({ code, problem: "" }),
    (error) => ({
      code: EXIT.server,
      problem: error instanceof StartFailure
        ? error.message
        : `The server stopped answering: ${errorText(error)}.`,
    }),
  );
  const forced = interrupt.forced.then((code) => ({ code, problem: "" }));
  const { code, problem } = await Promise.race([work, forced]);
  interrupt.settled = true;
  if (code === EXIT.server ? await interrupt.happened(SIGNAL_LAG_MS) : interrupt.pressed) {
    say("── interrupted (Ctrl-C): the run was stopped; what it did is printed above.");
    return EXIT.interrupted;
  }
  if (problem) console.error(terminalText(problem));
  await client.close().catch(() => {});
  return code;
}

/** Connects, lists the tools and runs the request; resolves to an exit code. */
async function talk(
  client: Client,
  transport: StdioClientTransport,
  request: Request,
  clock: WaitClock,
): Promise<number> {
  const started = performance.now();
  try {
    await client.connect(transport);
  } catch (error) {
    throw new StartFailure(
      `The server did not start (${errorText(error)}); its own message is above` +
        `${request.quiet ? " (run without --quiet to see it)" : ""}.`,
    );
  }
  section(`connected in ${Math.round(performance.now() - started)} ms`);
  const { tools } = await client.listTools();
  printTools(tools);
  if (request.code) return await runCode(client, request.code, clock);
  if (!tools.some((tool) => tool.name === "run_agent")) {
    console.error(
      "run_agent is not listed: no LLM is configured. Set OPENAI_API_KEY (or OPENAI_BASE_URL " +
        "for a local endpoint) in the environment or in .env, then run this again.",
    );
    return EXIT.failed;
  }
  return await runAgent(client, request.task, clock);
}

/** execute_code with the file's text; exit code 0 when the execution succeeded. */
async function runCode(
  client: Client,
  code: NonNullable<Request["code"]>,
  clock: WaitClock,
): Promise<number> {
  section(`execute_code ${code.shown}`);
  say(code.text);
  const result = await client.callTool(
    { name: "execute_code", arguments: { code: code.text } },
    undefined,
    { timeout: 600_000, onprogress: (p) => say(`  … ${p.message ?? p.progress}`) },
  );
  const shown = result.structuredContent as ShownResult | undefined;
  if (!shown) {
    say(String((result.content as Array<{ text?: string }>)[0]?.text ?? "(no result)"));
    return EXIT.failed;
  }
  printExecution(shown, clock.total());
  if (shown.error?.code === "SHUTTING_DOWN") return EXIT.server;
  return shown.ok ? EXIT.ok : EXIT.failed;
}

/** run_agent with the task; exit code 0 when the agent answered. */
async function runAgent(client: Client, task: string, clock: WaitClock): Promise<number> {
  section(`run_agent: ${task}`);
  const result = await client.callTool({ name: "run_agent", arguments: { task } }, undefined, {
    timeout: 600_000,
    onprogress: (p) => say(`  … ${p.message ?? `${p.progress}/${p.total}`}`),
  });
  const out = result.structuredContent as Record<string, unknown> | undefined;
  if (!out) {
    say(String((result.content as Array<{ text?: string }>)[0]?.text ?? "(no result)"));
    return EXIT.failed;
  }
  return printAgent(out, clock.total()) ? EXIT.ok : EXIT.failed;
}

/** Passes the server's stderr on to ours, its control characters escaped. */
function passOnEscaped(stream: StdioClientTransport["stderr"]): void {
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  stream?.on("data", (chunk: Uint8Array) => {
    const bytes = encoder.encode(terminalText(decoder.decode(chunk, { stream: true })));
    for (let at = 0; at < bytes.length;) at += Deno.stderr.writeSync(bytes.subarray(at));
  });
}

/** The server could not be connected to. */
class StartFailure extends Error {}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

if (import.meta.main) {
  const request = await readRequest(Deno.args);
  Deno.exit(typeof request === "number" ? request : await run(request));
}
