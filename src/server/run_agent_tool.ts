/**
 * The `run_agent` MCP tool: the code agent behind MCP, with a progress notification per iteration
 * when the client sends a progress token. It is listed only when an LLM is configured.
 */
import { z } from "zod";
import { type AgentConfig, resolveAgentSettings } from "../agent/agent_config.ts";
import { runAgent } from "../agent/code_agent.ts";
import type { PromptSkill } from "../agent/prompt.ts";
import type { Broker } from "../broker/broker.ts";
import type { CallToolResult, McpServer } from "../mcp_sdk.ts";
import type { Executor } from "../sandbox_host/executor.ts";
import type { ToolDispatcher } from "../contracts.ts";
import type { RequestInfo } from "./approval_setup.ts";
import { registerCheckedTool, type ToolExtra } from "./checked_tool.ts";
import type { InFlight } from "./in_flight.ts";

/** Options for {@link registerRunAgent}. */
export interface RunAgentOptions {
  executor: Executor;
  broker?: Broker;
  agent: AgentConfig;
  /** Counts the calls being answered; its signal ends a run at shutdown (SHUTTING_DOWN). */
  inFlight: InFlight;
  /** Reads the environment (OPENAI_API_KEY …) at call time. */
  env?: (name: string) => string | undefined;
  /** The dispatcher of one request (approvals asked through its client). */
  dispatcher?: (request: RequestInfo) => ToolDispatcher | undefined;
  /** The saved skills the prompt lists (valid ones), read when a task starts. */
  skills?: () => readonly PromptSkill[];
}

/** Registers `run_agent` on `server` (its listed schema is kept short; the bounds are checked). */
export function registerRunAgent(server: McpServer, options: RunAgentOptions): void {
  const env = options.env ?? ((name: string) => Deno.env.get(name));
  registerCheckedTool(server, "run_agent", {
    title: "Solve a task with generated Python",
    description: "An LLM writes, runs and repairs a Python program for a task given in plain " +
      "words; returns the answer and the code.",
    input: z.object({
      task: z.string().min(1).max(20_000),
      max_iterations: z.number().int().min(1).max(10).optional()
        .describe(`attempts, default ${options.agent.max_iterations}`),
    }),
    annotations: { readOnlyHint: false, openWorldHint: true },
    invalid: (message) => ({ content: [{ type: "text", text: message }], isError: true }),
    inFlight: options.inFlight,
  }, (input, extra) => solve(input, extra, options, env));
}

/** Runs the agent on one task; its answer as a tool result. */
async function solve(
  { task, max_iterations }: { task: string; max_iterations?: number },
  extra: ToolExtra,
  options: RunAgentOptions,
  env: (name: string) => string | undefined,
): Promise<CallToolResult> {
  const resolved = resolveAgentSettings(options.agent, env);
  if (!resolved.ok) {
    return { content: [{ type: "text" as const, text: resolved.message }], isError: true };
  }
  const token = extra._meta?.progressToken;
  const result = await runAgent(task, {
    executor: options.executor,
    broker: options.broker,
    settings: resolved.settings,
    maxIterations: max_iterations,
    signal: AbortSignal.any([extra.signal, options.inFlight.signal]),
    dispatcher: options.dispatcher?.(extra),
    skills: options.skills?.(),
    // Awaited, and followed by a short pause: the SDK's client handles a notification a
    // microtask later than a response, so one that arrives in the same read as the result is
    // dropped (its progress handler is gone by then).
    onProgress: token === undefined ? undefined : async (progress, total, message) => {
      await extra.sendNotification({
        method: "notifications/progress",
        params: { progressToken: token, progress, total, message },
      }).catch(() => {});
      await new Promise((resolve) => setTimeout(resolve, 10));
    },
  });
  if (!result.ok && options.inFlight.signal.aborted) {
    result.error = { code: "SHUTTING_DOWN", message: SHUTTING_DOWN_MESSAGE };
  }
  const compact = {
    ok: result.ok,
    ...(result.answer !== undefined ? { answer: result.answer } : {}),
    ...(result.stdout ? { stdout: result.stdout } : {}),
    ...(result.error ? { error: result.error } : {}),
    iterations: result.iterations.length,
    ...(result.code ? { code: result.code } : {}),
  };
  return {
    content: [{ type: "text" as const, text: JSON.stringify(compact) }],
    structuredContent: result,
    isError: !result.ok,
  };
}

const SHUTTING_DOWN_MESSAGE = "The server is shutting down, so run_agent was stopped before it " +
  "finished; run it again after the server restarts.";
