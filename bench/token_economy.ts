/**
 * The token economy bench: the tasks of bench/economy_tasks.ts, each done for real both ways and
 * required to reach the same answer. (a) Classic tool calling: every server's tool list is in
 * context, and each call's arguments and full result pass through the model, one turn per call.
 * (b) Code mode: our tool list, one search_tools call and its answer, the program and its compact
 * result, one turn each. Both are counted once-through and billed over the turns
 * (bench/token_accounting.ts), split into the fixed part (tool lists, search answer) and the
 * variable part; o200k tokens with gpt-tokenizer, tools counted as a model is shown them.
 */
import { Client, StdioClientTransport } from "../src/mcp_sdk.ts";
import { execute, type TestServer } from "../support/server.ts";
import { textTokens, toolListTokens } from "../support/tokens.ts";
import { type Call, TASKS } from "./economy_tasks.ts";
import { progress } from "./stats.ts";
import { account, type Accounting, saving, type Segment } from "./token_accounting.ts";
import { writeTree } from "./workload_tree.ts";

/** One task's figures. */
export interface TaskFigures {
  task: string;
  classic_calls: number;
  code_turns: number;
  classic: Accounting;
  code: Accounting;
  /** Once-through saving, percent. */
  saving_pct: number;
  /** Billed-input saving, percent. */
  billed_saving_pct: number;
  same_answer: boolean;
}

const fixed = (text: string): Segment => ({ tokens: textTokens(text), fixed: true });
const variable = (text: string): Segment => ({ tokens: textTokens(text), fixed: false });

/** Runs every task both ways against `server` (code mode) and direct clients (classic). */
export async function tokenEconomy(
  server: TestServer,
  root: string,
  upstreams: Record<string, Record<string, unknown>>,
) {
  const clients = new Map<string, Client>();
  let classicList = 0;
  for (const [name, entry] of Object.entries(upstreams)) {
    const config = entry as { command: string; args: string[]; env?: Record<string, string> };
    const env = name === "memory"
      ? { MEMORY_FILE_PATH: `${root}/memory-classic.jsonl` }
      : config.env;
    const client = new Client({ name: "bench-classic", version: "1.0.0" });
    await client.connect(
      new StdioClientTransport({ ...config, ...(env ? { env } : {}), stderr: "ignore" }),
    );
    clients.set(name === "server-everything" ? "everything" : name, client);
    classicList += toolListTokens((await client.listTools()).tools);
  }
  const ours = (await server.client.listTools()).tools;
  const codeList = toolListTokens(ours);
  const figures: TaskFigures[] = [];
  const searchLines: number[] = [];
  try {
    for (const task of TASKS) {
      progress(`token economy: ${task.name}…`);
      await Deno.remove(root, { recursive: true }).catch(() => {});
      await writeTree(root);
      const calls: Segment[][] = [];
      const call: Call = async (server, tool, args) => {
        const result = await clients.get(server)!.callTool({ name: tool, arguments: args });
        calls.push([
          variable(JSON.stringify({ tool, arguments: args })),
          variable(JSON.stringify(result.content)),
        ]);
        return result;
      };
      const classicAnswer = await task.classic(call, root);
      await Deno.remove(root, { recursive: true });
      await writeTree(root);
      const searchArgs = { query: task.search, limit: 5 };
      const search = await server.client.callTool({ name: "search_tools", arguments: searchArgs });
      const searchText = (search.content as Array<{ text: string }>)[0].text;
      searchLines.push(...lineTokens(searchText));
      const program = task.program(root);
      const run = await execute(server, program, 120_000);
      if (!run.ok) throw new Error(`code mode failed on "${task.name}": ${run.text}`);
      const answer = textTokens(JSON.stringify(classicAnswer));
      const classic = account({
        start: [{ tokens: classicList, fixed: true }, variable(task.prompt)],
        steps: calls,
      }, answer);
      const code = account({
        start: [{ tokens: codeList, fixed: true }, variable(task.prompt)],
        steps: [
          [
            fixed(JSON.stringify({ tool: "search_tools", arguments: searchArgs })),
            fixed(searchText),
          ],
          [
            variable(JSON.stringify({ tool: "execute_code", arguments: { code: program } })),
            variable(run.text),
          ],
        ],
      }, answer);
      figures.push({
        task: task.name,
        classic_calls: calls.length,
        code_turns: code.turns,
        classic,
        code,
        saving_pct: saving(classic.once.total, code.once.total),
        billed_saving_pct: saving(classic.billed.total, code.billed.total),
        same_answer: sameAnswer(classicAnswer, run.result),
      });
    }
  } finally {
    for (const client of clients.values()) await client.close();
  }
  const sum = (pick: (f: TaskFigures) => number) => figures.reduce((n, f) => n + pick(f), 0);
  const totals = {
    classic: sum((f) => f.classic.once.total),
    code: sum((f) => f.code.once.total),
    code_fixed: sum((f) => f.code.once.fixed),
    classic_billed: sum((f) => f.classic.billed.total),
    code_billed: sum((f) => f.code.billed.total),
    code_billed_fixed: sum((f) => f.code.billed.fixed),
  };
  return {
    figures,
    ...totals,
    saving_pct: saving(totals.classic, totals.code),
    billed_saving_pct: saving(totals.classic_billed, totals.code_billed),
    code_tool_list_tokens: codeList,
    classic_tool_list_tokens: classicList,
    search_line_avg_tokens: Math.round(
      10 * searchLines.reduce((n, t) => n + t, 0) /
        Math.max(1, searchLines.length),
    ) / 10,
  };
}

/** Tokens of each tool line of a search answer (headers left out). */
function lineTokens(answer: string): number[] {
  return answer.split("\n").filter((l) => l && !l.startsWith("#")).map(textTokens);
}

function sameAnswer(a: unknown, b: unknown): boolean {
  const norm = (v: unknown): string => {
    if (Array.isArray(v)) {
      return JSON.stringify(v.map((x) => (typeof x === "number" ? Number(x) : x)));
    }
    if (v && typeof v === "object") {
      return JSON.stringify(
        Object.fromEntries(Object.entries(v).sort(([x], [y]) => x.localeCompare(y))),
      );
    }
    return JSON.stringify(typeof v === "number" ? Number(v) : v);
  };
  return norm(a) === norm(b);
}
