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
  max_iterations: z.number().int().min(1).max(10).default(3),
  temperature: z.number().min(0).max(2).default(0),
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

/** Combines the config and the environment; fails with how to configure when no key is set. */
export function resolveAgentSettings(
  config: AgentConfig,
  env: (name: string) => string | undefined,
): { ok: true; settings: AgentSettings } | { ok: false; message: string } {
  const apiKey = env("OPENAI_API_KEY");
  if (!apiKey) {
    return {
      ok: false,
      message:
        "run_agent needs an LLM: set OPENAI_API_KEY (in the environment or in .env next to " +
        "mcp_servers.json), and OPENAI_BASE_URL for a non-OpenAI endpoint (Ollama, vLLM, llama.cpp). " +
        "execute_code works without it.",
    };
  }
  const baseURL = env("OPENAI_BASE_URL") || config.base_url;
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
