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
import { NO_CODE_PROMPT, repairPrompt, systemPrompt, taskPrompt } from "./prompt.ts";

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
}

const REPAIRABLE = new Set(["POLICY_VIOLATION", "SYNTAX_ERROR", "RUNTIME_ERROR"]);

/** Runs the agent on `task`; never throws. */
export async function runAgent(task: string, options: AgentOptions): Promise<AgentResult> {
  const started = performance.now();
  const { settings, executor } = options;
  const maxIterations = options.maxIterations ?? settings.max_iterations;
  const deadline = AbortSignal.timeout(settings.timeout_ms);
  const signal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
  const entries = options.broker?.entries ?? [];
  const relevant = searchTools(entries, task, { limit: settings.max_tools_in_prompt });
  const offered = relevant.length ? relevant : entries.slice(0, settings.max_tools_in_prompt);
  const usage: AgentUsage = {
    prompt_tokens: 0,
    completion_tokens: 0,
    total_tokens: 0,
    requests: 0,
  };
  const iterations: AgentIteration[] = [];
  const base = {
    iterations,
    usage,
    tools_offered: offered.map((e) => `tools.${e.ref.py_server}.${e.ref.py_name}`),
  };
  const finish = (rest: Partial<AgentResult> & { ok: boolean }): AgentResult => ({
    ...base,
    ...rest,
    duration_ms: Math.round(performance.now() - started),
  });
  const client = new OpenAI({
    apiKey: settings.apiKey,
    ...(settings.baseURL ? { baseURL: settings.baseURL } : {}),
    maxRetries: settings.max_retries,
    timeout: settings.timeout_ms,
  });
  const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [
    {
      role: "system",
      content: systemPrompt(
        offered,
        executor.policy.enabled ? executor.policy.allowed_imports : undefined,
      ),
    },
    { role: "user", content: taskPrompt(task) },
  ];
  let last: ExecResult | undefined;
  for (let i = 1; i <= maxIterations; i++) {
    let reply: string;
    try {
      const completion = await client.chat.completions.create(
        { model: settings.model, messages, temperature: settings.temperature },
        { signal },
      );
      usage.requests++;
      usage.prompt_tokens += completion.usage?.prompt_tokens ?? 0;
      usage.completion_tokens += completion.usage?.completion_tokens ?? 0;
      usage.total_tokens += completion.usage?.total_tokens ?? 0;
      reply = completion.choices[0]?.message?.content ?? "";
    } catch (error) {
      return finish({ ok: false, error: llmError(error, signal, options.signal, settings) });
    }
    messages.push({ role: "assistant", content: reply });
    const code = extractCode(reply);
    if (code === null) {
      iterations.push({ iteration: i, code: null, note: "the reply held no program" });
      await options.onProgress?.(i, maxIterations, `iteration ${i}: the reply held no program`);
      messages.push({ role: "user", content: NO_CODE_PROMPT });
      if (i === maxIterations) {
        return finish({
          ok: false,
          error: {
            code: "NO_CODE",
            message: `The LLM replied ${i} times without a Python program.`,
          },
        });
      }
      continue;
    }
    const remaining = Math.max(1000, settings.timeout_ms - (performance.now() - started));
    last = await executor.execute(code, {
      signal,
      dispatcher: options.dispatcher,
      timeoutMs: Math.min(remaining, executor.config.timeout_ms),
    });
    iterations.push({ iteration: i, code, result: last });
    await options.onProgress?.(
      i,
      maxIterations,
      `iteration ${i}: ${last.ok ? "ok" : last.error?.code}`,
    );
    if (last.ok) {
      return finish({ ok: true, answer: last.result, stdout: last.stdout, code });
    }
    if (signal.aborted) {
      return finish({ ok: false, code, error: abortError(options.signal, settings) });
    }
    if (!REPAIRABLE.has(last.error?.code ?? "")) {
      return finish({
        ok: false,
        code,
        error: {
          code: "EXECUTION_ERROR",
          message: `The program failed with ${last.error?.code}: ${last.error?.message}`,
        },
      });
    }
    messages.push({ role: "user", content: repairPrompt(last) });
  }
  return finish({
    ok: false,
    code: iterations.at(-1)?.code ?? undefined,
    error: {
      code: "MAX_ITERATIONS",
      message: `No working program after ${maxIterations} attempts; the last failed with ` +
        `${last?.error?.code}: ${last?.error?.message}`,
    },
  });
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
