/**
 * The code agent: given a task, picks the relevant tools with tool search, asks an
 * OpenAI-compatible LLM (through `npm:openai`) for one Python program, runs it with the same
 * executor as `execute_code`, and on POLICY_VIOLATION, SYNTAX_ERROR or RUNTIME_ERROR sends the
 * compact error back for a fix, up to `max_iterations`. Honours an AbortSignal and an overall
 * timeout; never throws.
 */
import OpenAI from "openai";
import type { Broker } from "../broker/broker.ts";
import { searchTools } from "../broker/search.ts";
import type { ExecResult, ToolDispatcher } from "../contracts.ts";
import type { Executor } from "../sandbox_host/executor.ts";
import type { AgentSettings } from "./agent_config.ts";
import { extractCode } from "./extract_code.ts";
import {
  NO_CODE_PROMPT,
  type PromptSkill,
  repairPrompt,
  systemPrompt,
  taskPrompt,
} from "./prompt.ts";

/** One attempt: the code the LLM wrote and what running it gave. */
export interface AgentIteration {
  iteration: number;
  code: string | null;
  result?: ExecResult;
  note?: string;
}

/** Token usage summed over the LLM requests. */
export interface AgentUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  requests: number;
}

/** What a run of the agent returns (a type, so it is a valid `structuredContent`). */
export type AgentResult = {
  ok: boolean;
  answer?: unknown;
  stdout?: string;
  code?: string;
  iterations: AgentIteration[];
  usage: AgentUsage;
  tools_offered: string[];
  error?: { code: AgentErrorCode; message: string };
  duration_ms: number;
};

/** Why the agent stopped without an answer. */
export type AgentErrorCode =
  | "LLM_ERROR"
  | "NO_CODE"
  | "MAX_ITERATIONS"
  | "EXECUTION_ERROR"
  | "TIMEOUT"
  | "CANCELLED"
  | "SHUTTING_DOWN";

/** Options for {@link runAgent}. */
export interface AgentOptions {
  executor: Executor;
  broker?: Broker;
  settings: AgentSettings;
  /** Overrides settings.max_iterations. */
  maxIterations?: number;
  signal?: AbortSignal;
  /** Answers the programs' tool calls instead of the executor's own (approvals, audit). */
  dispatcher?: ToolDispatcher;
  /** Told after every iteration (for MCP progress notifications). */
  onProgress?: (done: number, total: number, message: string) => void | Promise<void>;
  /** The saved skills the prompt lists (the executor sends their sources with every run). */
  skills?: readonly PromptSkill[];
}

const REPAIRABLE = new Set(["POLICY_VIOLATION", "SYNTAX_ERROR", "RUNTIME_ERROR"]);

/** One run of the agent: its settings, the conversation so far and what it has used. */
interface AgentRun {
  options: AgentOptions;
  settings: AgentSettings;
  executor: Executor;
  maxIterations: number;
  /** Aborts on the client's signal or the overall timeout. */
  signal: AbortSignal;
  started: number;
  client: OpenAI;
  messages: OpenAI.Chat.ChatCompletionMessageParam[];
  usage: AgentUsage;
  iterations: AgentIteration[];
  toolsOffered: string[];
  /** What the last program gave. */
  last?: ExecResult;
}

/** Runs the agent on `task`; never throws. */
export async function runAgent(task: string, options: AgentOptions): Promise<AgentResult> {
  const run = startRun(task, options);
  for (let i = 1; i <= run.maxIterations; i++) {
    const ended = await attempt(run, i);
    if (ended) return ended;
  }
  return finish(run, {
    ok: false,
    code: run.iterations.at(-1)?.code ?? undefined,
    error: {
      code: "MAX_ITERATIONS",
      message: `No working program after ${run.maxIterations} attempts; the last failed with ` +
        `${run.last?.error?.code}: ${run.last?.error?.message}`,
    },
  });
}

/** The run's state before the first attempt: tools picked, prompt written, client made. */
function startRun(task: string, options: AgentOptions): AgentRun {
  const started = performance.now();
  const { settings, executor } = options;
  const deadline = AbortSignal.timeout(settings.timeout_ms);
  const entries = options.broker?.entries ?? [];
  const relevant = searchTools(entries, task, { limit: settings.max_tools_in_prompt });
  const offered = relevant.length ? relevant : entries.slice(0, settings.max_tools_in_prompt);
  const allowedImports = executor.policy.enabled ? executor.policy.allowed_imports : undefined;
  return {
    options,
    settings,
    executor,
    maxIterations: options.maxIterations ?? settings.max_iterations,
    signal: options.signal ? AbortSignal.any([options.signal, deadline]) : deadline,
    started,
    client: new OpenAI({
      apiKey: settings.apiKey,
      ...(settings.baseURL ? { baseURL: settings.baseURL } : {}),
      maxRetries: settings.max_retries,
      timeout: settings.timeout_ms,
    }),
    messages: [
      { role: "system", content: systemPrompt(offered, allowedImports, options.skills) },
      { role: "user", content: taskPrompt(task) },
    ],
    usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, requests: 0 },
    iterations: [],
    toolsOffered: offered.map((e) => `tools.${e.ref.py_server}.${e.ref.py_name}`),
  };
}

/** Attempt `i`: asks for a program and runs it; the result when the run ends here. */
async function attempt(run: AgentRun, i: number): Promise<AgentResult | undefined> {
  const { options, settings, executor, signal, maxIterations } = run;
  const asked = await askLlm(run);
  if (!asked.ok) return finish(run, { ok: false, error: asked.error });
  run.messages.push({ role: "assistant", content: asked.reply });
  const code = extractCode(asked.reply);
  if (code === null) {
    run.iterations.push({ iteration: i, code: null, note: "the reply held no program" });
    await options.onProgress?.(i, maxIterations, `iteration ${i}: the reply held no program`);
    run.messages.push({ role: "user", content: NO_CODE_PROMPT });
    if (i < maxIterations) return undefined;
    return finish(run, {
      ok: false,
      error: { code: "NO_CODE", message: `The LLM replied ${i} times without a Python program.` },
    });
  }
  const remaining = Math.max(1000, settings.timeout_ms - (performance.now() - run.started));
  const last = run.last = await executor.execute(code, {
    signal,
    dispatcher: options.dispatcher,
    timeoutMs: Math.min(remaining, executor.config.timeout_ms),
  });
  run.iterations.push({ iteration: i, code, result: last });
  await options.onProgress?.(
    i,
    maxIterations,
    `iteration ${i}: ${last.ok ? "ok" : last.error?.code}`,
  );
  if (last.ok) return finish(run, { ok: true, answer: last.result, stdout: last.stdout, code });
  if (signal.aborted) {
    return finish(run, { ok: false, code, error: abortError(options.signal, settings) });
  }
  if (!REPAIRABLE.has(last.error?.code ?? "")) {
    return finish(run, {
      ok: false,
      code,
      error: {
        code: "EXECUTION_ERROR",
        message: `The program failed with ${last.error?.code}: ${last.error?.message}`,
      },
    });
  }
  run.messages.push({ role: "user", content: repairPrompt(last) });
  return undefined;
}

/** One chat completion with the conversation so far, its usage counted. */
async function askLlm(
  run: AgentRun,
): Promise<{ ok: true; reply: string } | { ok: false; error: NonNullable<AgentResult["error"]> }> {
  const { settings, signal, usage } = run;
  try {
    const completion = await run.client.chat.completions.create(
      { model: settings.model, messages: run.messages, temperature: settings.temperature },
      { signal },
    );
    usage.requests++;
    usage.prompt_tokens += completion.usage?.prompt_tokens ?? 0;
    usage.completion_tokens += completion.usage?.completion_tokens ?? 0;
    usage.total_tokens += completion.usage?.total_tokens ?? 0;
    return { ok: true, reply: completion.choices[0]?.message?.content ?? "" };
  } catch (error) {
    return { ok: false, error: llmError(error, signal, run.options.signal, settings) };
  }
}

/** The run's result: `rest` plus what every result carries. */
function finish(run: AgentRun, rest: Partial<AgentResult> & { ok: boolean }): AgentResult {
  return {
    iterations: run.iterations,
    usage: run.usage,
    tools_offered: run.toolsOffered,
    ...rest,
    duration_ms: Math.round(performance.now() - run.started),
  };
}

function abortError(
  outer: AbortSignal | undefined,
  settings: AgentSettings,
): { code: AgentErrorCode; message: string } {
  if (outer?.aborted) {
    return { code: "CANCELLED", message: "run_agent was cancelled by the client." };
  }
  return {
    code: "TIMEOUT",
    message:
      `run_agent did not finish within ${settings.timeout_ms} ms; raise agent.timeout_ms or simplify the task.`,
  };
}

function llmError(
  error: unknown,
  signal: AbortSignal,
  outer: AbortSignal | undefined,
  settings: AgentSettings,
): { code: AgentErrorCode; message: string } {
  if (signal.aborted || error instanceof OpenAI.APIUserAbortError) {
    return abortError(outer, settings);
  }
  const where = settings.baseURL ?? "the OpenAI API";
  if (error instanceof OpenAI.APIConnectionTimeoutError) {
    return { code: "TIMEOUT", message: `The LLM endpoint ${where} did not answer in time.` };
  }
  if (error instanceof OpenAI.APIError && error.status !== undefined) {
    const hint = error.status === 401
      ? "check OPENAI_API_KEY"
      : error.status === 429
      ? "the endpoint is rate limiting: wait, or lower the request rate"
      : error.status === 404
      ? `check the model name (${settings.model}) and OPENAI_BASE_URL`
      : error.status >= 500
      ? "the endpoint failed: try again later"
      : "check the request settings";
    return {
      code: "LLM_ERROR",
      message: `The LLM endpoint ${where} answered ${error.status} (${
        error.message.slice(0, 200)
      }); ${hint}.`,
    };
  }
  const message = error instanceof Error
    ? `${error.message} ${String(error.cause ?? "")}`
    : String(error);
  const denied = /Requires net access to "([^"]+)"/.exec(message);
  if (denied) {
    return {
      code: "LLM_ERROR",
      message: `The server may not connect to the LLM endpoint ${denied[1]}: start it with ` +
        `--allow-net=${denied[1]} (deno task start allows the network).`,
    };
  }
  return {
    code: "LLM_ERROR",
    message: `The LLM endpoint ${where} could not be reached (${
      message.slice(0, 200)
    }); check OPENAI_BASE_URL.`,
  };
}
