/**
 * The broker: connects to every enabled upstream server at start (in parallel, each with a
 * timeout), keeps the catalog of callable tools (allow/deny applied, Python names assigned, stubs
 * rendered), validates arguments against each tool's `inputSchema`, and dispatches the sandbox's
 * tool calls. It implements the `ToolDispatcher` of `src/contracts.ts`.
 */
import type { ServerConfig } from "../config.ts";
import { log } from "../log.ts";
import { AjvJsonSchemaValidator } from "../mcp_sdk.ts";
import { renderStub } from "../formatting/python_stub.ts";
import type { IndexedServer, IndexedTool } from "../formatting/tool_index.ts";
import {
  type ArgumentCheck,
  type CallContext,
  type ToolDispatcher,
  toolKey,
  type ToolOutcome,
  type ToolRef,
} from "../contracts.ts";
import { needsApproval } from "../approval/classify.ts";
import { undeclaredKeys } from "../approval/schema_keys.ts";
import { invalidArgumentsMessage } from "./argument_errors.ts";
import { assignIdentifiers } from "./names.ts";
import { permissionAdvice } from "./permission_advice.ts";
import { mapToolResult } from "./result_mapping.ts";
import { allowed, matches } from "./tool_filter.ts";
import { unavailableMessage } from "./upstream_errors.ts";
import { Upstream, type UpstreamProgress } from "./upstream.ts";

/** One callable tool with everything the server and the sandbox need about it. */
export interface CatalogEntry extends IndexedTool {
  upstream: Upstream;
}

/** What listings show about a server. */
export interface ServerSummary extends IndexedServer {
  status: Upstream["status"];
}

type Validator = (input: unknown) => { valid: boolean; errorMessage?: string };

/** Connections to all upstream servers. */
export class Broker implements ToolDispatcher {
  #upstreams: Upstream[];
  #serverNames: Map<string, string>;
  #entries: CatalogEntry[] = [];
  #byKey = new Map<string, CatalogEntry>();
  #validators = new Map<string, Validator>();
  #ajv = new AjvJsonSchemaValidator();

  private constructor(upstreams: Upstream[]) {
    this.#upstreams = upstreams;
    this.#serverNames = assignIdentifiers(upstreams.map((u) => u.name));
  }

  /** Connects to every enabled server in parallel; failures are reported and marked. */
  static async start(servers: Record<string, ServerConfig>): Promise<Broker> {
    const upstreams = Object.entries(servers).filter(([, c]) => c.enabled)
      .map(([name, config]) => new Upstream(name, config));
    const broker = new Broker(upstreams);
    await Promise.all(upstreams.map((u) => u.connect()));
    broker.#rebuild();
    const ready = upstreams.filter((u) => u.status === "ready").length;
    if (upstreams.length) {
      log(
        "info",
        `Connected to ${ready} of ${upstreams.length} upstream servers (${broker.#entries.length} tools).`,
      );
    }
    return broker;
  }

  /** Every callable tool. */
  get entries(): readonly CatalogEntry[] {
    return this.#entries;
  }

  /** Servers with their state and Python names. */
  servers(): ServerSummary[] {
    return this.#upstreams.map((u) => ({
      name: u.name,
      pyName: this.#serverNames.get(u.name)!,
      status: u.status,
      reason: u.reason,
      description: u.config.description,
      tools: this.#entries.filter((e) => e.upstream === u).map((e) => e.ref.py_name),
    }));
  }

  /**
   * The tools Python may call, plus one `unavailable` entry per server that cannot be reached and
   * has no known tools, so that Python's `ToolError` tells the same story as the description.
   */
  catalog(): ToolRef[] {
    const down = this.#upstreams.filter((u) => u.status !== "ready" && u.tools.length === 0)
      .map((u): ToolRef => {
        const pyServer = this.#serverNames.get(u.name)!;
        return {
          server: u.name,
          tool: "",
          py_server: pyServer,
          py_name: "",
          doc: "",
          unavailable: `${unavailableMessage(u.name, u.reason || u.status)} ` +
            "Fix its entry in the configuration (command, args, env), then restart the server.",
        };
      });
    return [...this.#entries.map((e) => e.ref), ...down];
  }

  /** Checks `args` against the tool's input schema as {@link call} does, without calling it. */
  check(ref: ToolRef, args: Record<string, unknown>): ArgumentCheck {
    const entry = this.#byKey.get(toolKey(ref.server, ref.tool));
    if (!entry) return unknownTool(ref);
    const invalid = this.#validate(entry, args);
    if (invalid && !invalid.ok) return invalid;
    const keys = undeclaredKeys(entry.tool.inputSchema, args);
    return { ok: true, undeclared: keys.undeclared, undeclaredAllowed: keys.allowed };
  }

  /** Validates, calls and maps one tool call; never throws. */
  async call(
    ref: ToolRef,
    args: Record<string, unknown>,
    options: Pick<CallContext, "signal" | "onProgress">,
  ): Promise<ToolOutcome> {
    const entry = this.#byKey.get(toolKey(ref.server, ref.tool));
    if (!entry) return unknownTool(ref);
    const invalid = this.#validate(entry, args);
    if (invalid) return invalid;
    const before = entry.upstream.status;
    const report = options.onProgress;
    const onProgress = report &&
      ((p: UpstreamProgress) => report({ server: ref.server, tool: ref.tool, ...p }));
    const outcome = await entry.upstream.call(entry.tool.name, args, options.signal, onProgress);
    if (before !== "ready" && entry.upstream.status === "ready") this.#rebuild();
    const mapped: ToolOutcome = outcome.ok
      ? mapToolResult(outcome.result, `${ref.server}.${ref.tool}`)
      : { ok: false, code: outcome.code, message: outcome.message };
    // A stdio upstream's "run again with the --allow-x flag" is about its own args.
    if (mapped.ok || !("command" in entry.upstream.config)) return mapped;
    return { ...mapped, message: permissionAdvice(mapped.message, ref.server) };
  }

  /** The host is shutting down: upstreams lost from now on are not reported as lost. */
  stopping(): void {
    for (const upstream of this.#upstreams) upstream.stopping();
  }

  /** Closes every upstream (stdio children end), in one line of the log. */
  async close(): Promise<void> {
    this.stopping();
    const open = this.#upstreams.filter((u) => u.status !== "closed").length;
    if (open) log("info", `Closing ${open} upstream server${open === 1 ? "" : "s"}.`);
    await Promise.all(this.#upstreams.map((u) => u.close()));
  }

  #validate(entry: CatalogEntry, args: Record<string, unknown>): ToolOutcome | null {
    const id = toolKey(entry.ref.server, entry.ref.tool);
    let validate = this.#validators.get(id);
    if (!validate) {
      try {
        validate = this.#ajv.getValidator(entry.tool.inputSchema as never) as Validator;
      } catch (error) {
        log(
          "warn",
          `The input schema of ${id} cannot be compiled (${error}); arguments go unchecked.`,
        );
        validate = () => ({ valid: true });
      }
      this.#validators.set(id, validate);
    }
    const result = validate(args);
    if (result.valid) return null;
    const label = `tools.${entry.ref.py_server}.${entry.ref.py_name}`;
    return {
      ok: false,
      code: "INVALID_ARGUMENTS",
      message: invalidArgumentsMessage(
        {
          label,
          expected: `${entry.ref.py_name}${entry.stub.signature}`,
          inputSchema: entry.tool.inputSchema,
        },
        args,
        result.errorMessage,
      ),
    };
  }

  #rebuild(): void {
    const entries: CatalogEntry[] = [];
    for (const upstream of this.#upstreams) {
      const pyServer = this.#serverNames.get(upstream.name)!;
      const tools = upstream.tools.filter((t) => allowed(t.name, upstream.config.tools));
      const names = assignIdentifiers(tools.map((t) => t.name));
      for (const tool of tools) {
        const pyName = names.get(tool.name)!;
        const approve = needsApproval(upstream.config.approve, tool, matches);
        const stub = renderStub(tool, { pyName, pyServer, needsApproval: approve });
        entries.push({
          ref: {
            server: upstream.name,
            tool: tool.name,
            py_server: pyServer,
            py_name: pyName,
            doc: stub.doc,
            signature: stub.signature,
            ...(approve ? { needs_approval: true } : {}),
          },
          tool,
          stub,
          upstream,
        });
      }
    }
    this.#entries = entries;
    this.#byKey = new Map(entries.map((e) => [toolKey(e.ref.server, e.ref.tool), e]));
    this.#validators.clear();
  }
}

function unknownTool(ref: ToolRef) {
  const message = `There is no callable tool ${ref.server}.${ref.tool}.`;
  return { ok: false, code: "UNKNOWN_TOOL", message } as const;
}
