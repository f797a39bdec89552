/** The token economy's part of the bench report (markdown), shared by bench.ts and tokens.ts. */
import type { tokenEconomy } from "./token_economy.ts";

type Economy = Awaited<ReturnType<typeof tokenEconomy>>;

/** Markdown lines: both accountings per task and in total, fixed and variable parts apart. */
export function tokenMarkdown(economy: Economy): string[] {
  const n = (x: number) => x.toLocaleString("en-US");
  return [
    "| token economy (o200k) | classic once | code once (fixed + variable) | saving | classic billed | code billed (fixed + variable) | billed saving | calls | turns | same answer |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ...economy.figures.map((f) =>
      `| ${f.task} | ${n(f.classic.once.total)} | ${n(f.code.once.total)} (${
        n(f.code.once.fixed)
      } + ${n(f.code.once.variable)}) | ${f.saving_pct}% | ${n(f.classic.billed.total)} | ${
        n(f.code.billed.total)
      } (${n(f.code.billed.fixed)} + ${
        n(f.code.billed.variable)
      }) | ${f.billed_saving_pct}% | ${f.classic_calls} | ${f.code_turns} | ${
        f.same_answer ? "yes" : "NO"
      } |`
    ),
    `| **total** | **${n(economy.classic)}** | **${n(economy.code)}** (${n(economy.code_fixed)} + ${
      n(economy.code - economy.code_fixed)
    }) | **${economy.saving_pct}%** | **${n(economy.classic_billed)}** | **${
      n(economy.code_billed)
    }** (${n(economy.code_billed_fixed)} + ${
      n(economy.code_billed - economy.code_billed_fixed)
    }) | **${economy.billed_saving_pct}%** | | | |`,
    "",
    `- tool list as a model is shown it (name, description, input schema): ours ${economy.code_tool_list_tokens} tokens, ` +
    `the upstream servers' ${n(economy.classic_tool_list_tokens)}`,
    `- search_tools answers (limit 5): ${economy.search_line_avg_tokens} tokens per tool line on average`,
    "- once: every token through the context once; billed: input tokens over the agent's turns, each " +
    "re-reading the context so far (classic: one turn per call plus the answer; code mode: " +
    "search_tools, execute_code, answer); fixed = tool list and search answer",
  ];
}
