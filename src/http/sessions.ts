/**
 * The open MCP sessions of the HTTP transport: one SDK transport and one `McpServer` each,
 * looked up by the `Mcp-Session-Id` header, closed on DELETE, on idle timeout and at shutdown.
 */
import { log } from "../log.ts";
import type { McpServer, WebStandardStreamableHTTPServerTransport } from "../mcp_sdk.ts";

/** One session. */
export interface Session {
  id: string;
  transport: WebStandardStreamableHTTPServerTransport;
  server: McpServer;
  /** When the last request arrived (ms since epoch). */
  lastSeen: number;
  /** Requests whose response has not finished yet. */
  inFlight: number;
}

/** All open sessions. */
export class SessionTable {
  #sessions = new Map<string, Session>();
  #pending = 0;
  #sweeper: ReturnType<typeof setInterval>;

  /** Starts closing sessions idle for longer than `idleMs`. */
  constructor(readonly idleMs: number) {
    this.#sweeper = setInterval(() => this.sweep(), Math.min(60_000, Math.max(250, idleMs / 4)));
    Deno.unrefTimer(this.#sweeper);
  }

  /** Open sessions plus those being initialised. */
  get size(): number {
    return this.#sessions.size + this.#pending;
  }

  /** The session with this id, marked as just used. */
  get(id: string): Session | undefined {
    const session = this.#sessions.get(id);
    if (session) session.lastSeen = Date.now();
    return session;
  }

  /** Counts a session being initialised until `done` is called. */
  reserve(): () => void {
    this.#pending++;
    let released = false;
    return () => {
      if (!released) this.#pending--;
      released = true;
    };
  }

  /** Registers an initialised session. */
  add(session: Session): void {
    this.#sessions.set(session.id, session);
    log("debug", `HTTP session ${session.id} opened (${this.#sessions.size} open).`);
  }

  /** Forgets a session whose transport closed. */
  remove(id: string): void {
    if (this.#sessions.delete(id)) {
      log("debug", `HTTP session ${id} closed (${this.#sessions.size} open).`);
    }
  }

  /** Closes sessions that have been idle too long and run nothing. */
  sweep(now = Date.now()): void {
    for (const session of this.#sessions.values()) {
      if (session.inFlight === 0 && now - session.lastSeen > this.idleMs) {
        log("info", `Closing HTTP session ${session.id}: idle for ${this.idleMs} ms.`);
        this.#close(session);
      }
    }
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
