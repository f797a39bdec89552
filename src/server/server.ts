/**
 * The MCP server of one conversation: an `McpServer` from the SDK with `execute_code` (Python in
 * the sandbox), `search_tools` (upstream tools as Python stubs), `save_skill` (with a skills
 * folder) and `run_agent` (with an LLM configured), each in its own module, and the sandbox
 * sessions' files as resources. What lives as long as the conversation is in its
 * {@link ClientScope}, which the transport makes and closes.
 */
import { McpServer } from "../mcp_sdk.ts";
import { type AgentConfig, llmConfigured } from "../agent/agent_config.ts";
import type { ApprovalConfig } from "../approval/approval_config.ts";
import type { Broker } from "../broker/broker.ts";
import type { Executor } from "../sandbox_host/executor.ts";
import type { SkillStore } from "../skills/skill_store.ts";
import { SERVER_NAME, SERVER_VERSION } from "../version.ts";
import { approvalGates } from "./approval_setup.ts";
import type { ClientScope } from "./client_scope.ts";
import { registerExecuteCode } from "./execute_code_tool.ts";
import { InFlight } from "./in_flight.ts";
import { registerRunAgent } from "./run_agent_tool.ts";
import { registerSearchTools } from "./search_tools_tool.ts";
import { connectionSessions } from "./session_files.ts";
import { registerSaveSkill } from "./skills_tool.ts";

/** Version reported to clients. */
export { SERVER_VERSION } from "../version.ts";

/** Options for {@link createServer}. */
export interface ServerOptions {
  /** Runs the code. */
  executor: Executor;
  /** The upstream tools (none when absent). */
  broker?: Broker;
  /** Settings of `run_agent` (listed when present and an LLM is configured, see `llmConfigured`). */
  agent?: AgentConfig;
  /** Reads the environment (OPENAI_API_KEY …); defaults to `Deno.env.get`. */
  env?: (name: string) => string | undefined;
  /** Largest code accepted, in characters. */
  maxCodeChars?: number;
  /** Approvals and the audit log (defaults: nobody asked, no log). */
  approval?: ApprovalConfig;
  /** Counts the calls being answered, for shutdown (one per process; default: this server's). */
  inFlight?: InFlight;
  /** The saved skills (`save_skill`, the index, search); none when absent. */
  skills?: SkillStore;
}

/**
 * Creates the MCP server with its tools for one conversation: `scope` (made and closed by the
 * transport) holds its sandbox sessions, approvals, client and how it reaches us.
 */
export function createServer(options: ServerOptions, scope: ClientScope): McpServer {
  const { executor, broker, skills } = options;
  const inFlight = options.inFlight ?? new InFlight();
  const server = new McpServer(
    { name: SERVER_NAME, version: SERVER_VERSION },
    { capabilities: { tools: {}, logging: {} } },
  );
  const dispatcher = approvalGates(server, scope, broker, options.approval);
  const sessions = connectionSessions(server, executor, scope);
  registerExecuteCode(server, {
    executor,
    broker,
    skills,
    maxCodeChars: options.maxCodeChars ?? 100_000,
    inFlight,
    scope,
    sessions,
    dispatcher,
  });
  registerSearchTools(server, { broker, skills });
  if (skills) registerSaveSkill(server, skills);
  const env = options.env ?? ((name: string) => Deno.env.get(name));
  // A tool that can only fail is not listed: run_agent needs an LLM.
  if (options.agent && llmConfigured(options.agent, env)) {
    registerRunAgent(server, {
      executor,
      broker,
      agent: options.agent,
      env,
      dispatcher,
      inFlight,
      skills: () => skills?.list.filter((s) => s.status === "valid") ?? [],
    });
  }
  return server;
}
