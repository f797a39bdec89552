/**
 * Settings of the code agent: the `agent` section of `mcp_servers.json` (zod) merged with the
 * environment (`OPENAI_API_KEY`, `OPENAI_BASE_URL`, `MCP_CODE_MODE_MODEL`, also from `.env`, see
 * `src/env_file.ts`). The key stays in the host: sandbox children get an empty environment.
 */
import { z } from "zod";

/** The `agent` section. */
export const AgentConfigSchema = z.object({
  model: z.string().min(1).optional().describe("Model name (env MCP_CODE_MODE_MODEL overrides)."),
  base_url: z.url().optional().describe(
    "OpenAI-compatible endpoint (env OPENAI_BASE_URL overrides).",
  ),
  max_iterations: z.number().int().min(1).max(10).default(3)
    .describe("Attempts at a working program (the LLM is shown each failure and asked for a fix)."),
  temperature: z.number().min(0).max(2).default(0).describe("Sampling temperature of the LLM."),
  timeout_ms: z.number().int().min(1000).max(3_600_000).default(120_000)
    .describe("Overall limit of one run_agent call."),
  max_retries: z.number().int().min(0).max(5).default(1)
    .describe("Retries of a failed LLM request (429, 5xx, connection)."),
  max_tools_in_prompt: z.number().int().min(1).max(200).default(12)
    .describe("Tool stubs put in the prompt, chosen by tool search."),
}).strict();

/** The `agent` section with defaults. */
export type AgentConfig = z.infer<typeof AgentConfigSchema>;

/** Everything the agent needs to talk to the LLM. */
export interface AgentSettings extends AgentConfig {
  apiKey: string;
  baseURL?: string;
  model: string;
}

const DEFAULT_MODEL = "gpt-4o-mini";

/** The key sent to an endpoint given by `base_url` alone (local servers ignore it). */
const KEYLESS = "not-needed";

/**
 * Whether an LLM is configured: a key (`OPENAI_API_KEY`) or an endpoint (`OPENAI_BASE_URL` or
 * `agent.base_url`, e.g. a local Ollama that needs no key); the model has a default. `run_agent`
 * is listed only then.
 */
export function llmConfigured(
  config: AgentConfig,
  env: (name: string) => string | undefined,
): boolean {
  return resolveAgentSettings(config, env).ok;
}

/** Combines the config and the environment; fails with how to configure when there is no LLM. */
export function resolveAgentSettings(
  config: AgentConfig,
  env: (name: string) => string | undefined,
): { ok: true; settings: AgentSettings } | { ok: false; message: string } {
  const baseURL = env("OPENAI_BASE_URL") || config.base_url;
  const apiKey = env("OPENAI_API_KEY") || (baseURL ? KEYLESS : undefined);
  if (!apiKey) {
    return {
      ok: false,
      message:
        "run_agent needs an LLM: set OPENAI_API_KEY (in the environment or in .env next to " +
        "mcp_servers.json), or OPENAI_BASE_URL for a non-OpenAI endpoint (Ollama, vLLM, " +
        "llama.cpp). execute_code works without it.",
    };
  }
  return {
    ok: true,
    settings: {
      ...config,
      apiKey,
      ...(baseURL ? { baseURL } : {}),
      model: env("MCP_CODE_MODE_MODEL") || config.model || DEFAULT_MODEL,
    },
  };
}
