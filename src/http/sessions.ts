/**
 * The open MCP sessions of the HTTP transport: one SDK transport and one `McpServer` each,
 * looked up by the `Mcp-Session-Id` header, counted per client address (for
 * `max_sessions_per_client`), closed on DELETE, on idle timeout and at shutdown.
 */
import { log } from "../log.ts";
import type { McpServer, WebStandardStreamableHTTPServerTransport } from "../mcp_sdk.ts";

/** One session. */
export interface Session {
  id: string;
  /** Who opened it: the client's address. */
  client: string;
  /** Whom it counts for behind the endpoint (`bearer:<n>`, or its own `http:<uuid>`). */
  principal: string;
  transport: WebStandardStreamableHTTPServerTransport;
  server: McpServer;
  /** When the last request arrived (ms, by the table's clock). */
  lastSeen: number;
  /** Requests whose response has not finished yet. */
  inFlight: number;
}

/** Options for {@link SessionTable}. */
export interface SessionTableOptions {
  /** The clock (ms); `Date.now` by default. */
  now?: () => number;
  /** Sweep idle sessions on a timer (default true; tests call `sweep(now)` themselves). */
  autoSweep?: boolean;
}

/** All open sessions. */
export class SessionTable {
  #sessions = new Map<string, Session>();
  #pending = new Map<string, number>();
  #now: () => number;
  #sweeper: ReturnType<typeof setInterval> | undefined;

  /** Starts closing sessions idle for longer than `idleMs`. */
  constructor(readonly idleMs: number, options: SessionTableOptions = {}) {
    this.#now = options.now ?? Date.now;
    if (options.autoSweep ?? true) {
      const every = Math.min(60_000, Math.max(250, idleMs / 4));
      this.#sweeper = setInterval(() => this.sweep(), every);
      Deno.unrefTimer(this.#sweeper);
    }
  }

  /** Open sessions plus those being initialised. */
  get size(): number {
    let pending = 0;
    for (const count of this.#pending.values()) pending += count;
    return this.#sessions.size + pending;
  }

  /** Open and initialising sessions of one client. */
  countFor(client: string): number {
    let count = this.#pending.get(client) ?? 0;
    for (const session of this.#sessions.values()) if (session.client === client) count++;
    return count;
  }

  /** The session with this id, marked as just used. */
  get(id: string): Session | undefined {
    const session = this.#sessions.get(id);
    if (session) session.lastSeen = this.#now();
    return session;
  }

  /** Counts a session of `client` being initialised until the returned function is called. */
  reserve(client: string): () => void {
    this.#pending.set(client, (this.#pending.get(client) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.#pending.get(client) ?? 1) - 1;
      if (left > 0) this.#pending.set(client, left);
      else this.#pending.delete(client);
    };
  }

  /** Registers an initialised session (its `lastSeen` is now). */
  add(session: Omit<Session, "lastSeen">): void {
    this.#sessions.set(session.id, { ...session, lastSeen: this.#now() });
    log("debug", `HTTP session ${session.id} opened (${this.#sessions.size} open).`);
  }

  /** Forgets a session whose transport closed. */
  remove(id: string): void {
    if (this.#sessions.delete(id)) {
      log("debug", `HTTP session ${id} closed (${this.#sessions.size} open).`);
    }
  }

  /** Closes sessions that have been idle too long and run nothing; returns their ids. */
  sweep(now = this.#now()): string[] {
    const closed: string[] = [];
    for (const session of this.#sessions.values()) {
      if (session.inFlight === 0 && now - session.lastSeen > this.idleMs) {
        log("info", `Closing HTTP session ${session.id}: idle for ${this.idleMs} ms.`);
        closed.push(session.id);
        this.#close(session);
      }
    }
    return closed;
  }

  /** Closes every session and stops the sweeper. */
  async closeAll(): Promise<void> {
    clearInterval(this.#sweeper);
    await Promise.all([...this.#sessions.values()].map((s) => this.#close(s)));
  }

  #close(session: Session): Promise<void> {
    this.#sessions.delete(session.id);
    return session.server.close().catch(() => {});
  }
}
