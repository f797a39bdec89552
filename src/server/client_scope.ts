/**
 * One conversation with one client, owned by the transport layer: a stdio connection, an HTTP MCP
 * session, or (stateless HTTP) a single request. It holds what lives as long as the conversation
 * and not as long as one `McpServer`: the sandbox sessions, the approvals given "for the session",
 * whom per-client limits count it for, its name in the audit log, and how it reaches us. The
 * transport creates it, passes it to `createServer`, and closes it when the conversation ends.
 */
import { SessionApprovals } from "../approval/gate.ts";
import type { SessionClient } from "../sandbox_host/session_quota.ts";
import type { ConnectionSessions, SessionRegistry } from "../sandbox_host/sessions.ts";

/** How the conversation reaches the server. */
export type ScopeTransport = "stdio" | "http" | "stateless";

/** Options for {@link ClientScope}. */
export interface ClientScopeOptions {
  transport: ScopeTransport;
  /** Whom its sandbox sessions are counted for (default: the stdio client). */
  client?: SessionClient;
  /** Its name in the audit log: the MCP session id over HTTP (default: `transport`). */
  label?: string;
}

/** The state of one conversation with one client, closed once by its transport. */
export class ClientScope {
  /** How the conversation reaches the server. */
  readonly transport: ScopeTransport;
  /** Whom its sandbox sessions are counted for (undefined: the stdio client). */
  readonly client: SessionClient | undefined;
  /** Tools approved for the rest of the conversation, and its name in the audit log. */
  readonly approvals: SessionApprovals;
  #sessions: ConnectionSessions | undefined;
  #closing: Promise<void> | undefined;

  /** A new, open scope. */
  constructor(options: ClientScopeOptions) {
    this.transport = options.transport;
    this.client = options.client;
    this.approvals = new SessionApprovals(options.label ?? options.transport);
  }

  /** Its name in the audit log. */
  get label(): string {
    return this.approvals.label;
  }

  /** True when every request stands alone (stateless HTTP): no sandbox session can outlive it. */
  get stateless(): boolean {
    return this.transport === "stateless";
  }

  /** True once {@link close} was called. */
  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /**
   * The conversation's sandbox sessions, opened in `registry` on the first call (keeping up to
   * `keptBytes` of their output files), the same ones after it; ended by {@link close}. Opened
   * after the close, they are ended at once.
   */
  sandboxSessions(registry: SessionRegistry, keptBytes: number): ConnectionSessions {
    if (!this.#sessions) {
      this.#sessions = registry.connection({ keptBytes, client: this.client });
      if (this.closed) void this.#sessions.close();
    }
    return this.#sessions;
  }

  /** Ends the conversation: its sandbox sessions end. A second call returns the first's promise. */
  close(): Promise<void> {
    this.#closing ??= this.#sessions?.close() ?? Promise.resolve();
    return this.#closing;
  }
}
