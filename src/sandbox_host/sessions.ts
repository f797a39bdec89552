/**
 * Sandbox sessions: sandbox children kept alive between runs so that a program's variables and
 * files stay for the next one. The {@link SessionRegistry} (one per executor) counts every
 * session for its client against `sessions.max_per_client` and `sessions.max_total`
 * (`session_quota.ts`) and kills them all at shutdown; a {@link ConnectionSessions} (one per MCP
 * connection, of one client) maps names to sessions, so two connections using the same name never
 * share one. A session is counted from the moment its start is allowed until it ends. A session's
 * runs take turns; an idle one is ended after `sessions.idle_timeout_ms`; a child that served a
 * session is never given to anyone else.
 */
import type { RunError } from "../contracts.ts";
import { log } from "../log.ts";
import type { SandboxChild } from "./child.ts";
import type { OutputFile } from "./files.ts";
import {
  connectionFull,
  type SessionClient,
  SessionQuota,
  type Slot,
  STDIO_CLIENT,
} from "./session_quota.ts";
import type { SessionsConfig } from "./sessions_config.ts";

/** A session's name: what `execute_code`'s `session` accepts. */
export const SESSION_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** Where a new session's child comes from (the warm pool). */
export type ChildSource = () => Promise<
  { ok: true; child: SandboxChild } | { ok: false; message: string }
>;

/** One live session. */
export interface Session {
  readonly name: string;
  readonly child: SandboxChild;
  /** Output files by path (content kept within the connection's budget). */
  readonly files: Map<string, OutputFile>;
}

/** A session held for one run: give it back with `release`. */
export type Lease =
  | {
    ok: true;
    session: Session;
    state: "new" | "resumed";
    /** Ends the turn; `alive: false` ends the session (its child is killed). */
    release: (alive: boolean, files?: OutputFile[]) => void;
  }
  | { ok: false; error: RunError };

/** Every session of the host. */
export class SessionRegistry {
  readonly config: SessionsConfig;
  #source: ChildSource;
  #connections = new Set<ConnectionSessions>();
  #quota: SessionQuota;
  #closed = false;

  constructor(config: SessionsConfig, source: ChildSource) {
    this.config = config;
    this.#source = source;
    this.#quota = new SessionQuota(config);
  }

  /** The sessions of a new connection of `client` (the stdio client by default). */
  connection(options: { keptBytes: number; client?: SessionClient }): ConnectionSessions {
    const client = options.client ?? STDIO_CLIENT;
    const connection = new ConnectionSessions(this, options.keptBytes, client);
    this.#connections.add(connection);
    return connection;
  }

  /** Live sessions (and those starting) across all connections. */
  get count(): number {
    return this.#quota.total;
  }

  /** Live sessions (and those starting) of one client, across its connections. */
  countFor(client: SessionClient): number {
    return this.#quota.heldBy(client);
  }

  /** Process ids of every live session child (idle or running). */
  get pids(): number[] {
    return [...this.#connections].flatMap((c) => c.children().map((child) => child.pid));
  }

  /** False once the server shuts down. */
  get open(): boolean {
    return !this.#closed;
  }

  /**
   * A slot for a new session of `client`, counted against `max_per_client` and `max_total` at
   * once (synchronously, so no other start comes between the check and the count), or the
   * refusal. Start the session's child with {@link startIn}.
   */
  reserve(client: SessionClient): Slot {
    if (this.#closed) return { ok: false, error: SERVER_CLOSING };
    return this.#quota.take(client);
  }

  /** A child for a new session in `slot` (given back here if none comes, else when it ends). */
  async startIn(slot: Extract<Slot, { ok: true }>): Promise<
    { ok: true; child: SandboxChild } | { ok: false; error: RunError }
  > {
    const got = await this.#source().catch((error) => {
      slot.release();
      throw error;
    });
    if (!got.ok) {
      slot.release();
      return { ok: false, error: { code: "SANDBOX_CRASH", message: got.message } };
    }
    if (this.#closed) {
      got.child.kill();
      slot.release();
      return { ok: false, error: SERVER_CLOSING };
    }
    return got;
  }

  /** Forgets a closed connection. */
  forget(connection: ConnectionSessions): void {
    this.#connections.delete(connection);
  }

  /** Kills every session child and refuses new sessions. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#connections].map((c) => c.close()));
  }
}

const SERVER_CLOSING: RunError = { code: "SHUTTING_DOWN", message: "The server is shutting down." };

interface Entry extends Session {
  timer?: ReturnType<typeof setTimeout>;
  ended: boolean;
  /** Gives the session's slot back to the registry. */
  release: () => void;
}

/** The sessions of one MCP connection, by name. */
export class ConnectionSessions {
  /** Called when the set of session files changes (resources/list_changed). */
  onChange: () => void = () => {};
  #registry: SessionRegistry;
  #keptBytes: number;
  #sessions = new Map<string, Entry>();
  #starting = 0;
  #turns = new Map<string, Promise<void>>();
  #closed = false;

  /** `client`: whom this connection's sessions are counted for. */
  constructor(registry: SessionRegistry, keptBytes: number, readonly client: SessionClient) {
    this.#registry = registry;
    this.#keptBytes = keptBytes;
  }

  /** Live sessions of this connection. */
  get size(): number {
    return this.#sessions.size;
  }

  /** The children of the live sessions. */
  children(): SandboxChild[] {
    return [...this.#sessions.values()].map((s) => s.child);
  }

  /** The live sessions. */
  list(): Session[] {
    return [...this.#sessions.values()];
  }

  /** The session `name`, started (or, with `reset`, started anew) if needed; waits its turn. */
  async lease(name: string, reset = false): Promise<Lease> {
    const previous = this.#turns.get(name) ?? Promise.resolve();
    let done!: () => void;
    const turn = new Promise<void>((resolve) => (done = resolve));
    const chained = previous.then(() => turn);
    this.#turns.set(name, chained);
    await previous;
    const finishTurn = () => {
      done();
      if (this.#turns.get(name) === chained) this.#turns.delete(name);
    };
    const got = await this.#take(name, reset);
    if (!got.ok) {
      finishTurn();
      return got;
    }
    const { entry, state } = got;
    clearTimeout(entry.timer);
    return {
      ok: true,
      session: entry,
      state,
      release: (alive, files) => {
        if (alive && !entry.ended && entry.child.alive) {
          this.#store(entry, files ?? []);
          this.#arm(entry);
        } else {
          this.#end(entry, "its run ended it");
        }
        finishTurn();
      },
    };
  }

  /** Ends every session of this connection (the connection closed). */
  async close(): Promise<void> {
    this.#closed = true;
    const entries = [...this.#sessions.values()];
    for (const entry of entries) this.#end(entry, "its connection closed", false);
    this.#registry.forget(this);
    await Promise.all(entries.map((e) => e.child.exited));
  }

  async #take(
    name: string,
    reset: boolean,
  ): Promise<
    { ok: true; entry: Entry; state: "new" | "resumed" } | { ok: false; error: RunError }
  > {
    const existing = this.#sessions.get(name);
    if (existing && !reset && existing.child.alive) {
      return { ok: true, entry: existing, state: "resumed" };
    }
    if (existing) this.#end(existing, reset ? "it was reset" : "its child exited");
    if (this.#closed) {
      return { ok: false, error: { code: "SHUTTING_DOWN", message: "The connection is closing." } };
    }
    // Sessions still starting count too: many starts at once cannot overshoot.
    const max = this.#registry.config.max_per_connection;
    if (this.#sessions.size + this.#starting >= max) {
      return { ok: false, error: connectionFull(max, [...this.#sessions.keys()]) };
    }
    // Checked and counted in one step (the connection's, the client's and the host's limits).
    const slot = this.#registry.reserve(this.client);
    if (!slot.ok) return slot;
    this.#starting++;
    let started;
    try {
      started = await this.#registry.startIn(slot);
    } finally {
      this.#starting--; // and, in the same step, the session is added below
    }
    if (!started.ok) return started;
    if (this.#closed) {
      started.child.kill();
      slot.release();
      return { ok: false, error: { code: "SHUTTING_DOWN", message: "The connection is closing." } };
    }
    const { child } = started;
    const entry: Entry = { name, child, files: new Map(), ended: false, release: slot.release };
    this.#sessions.set(name, entry);
    // A child that dies while idle ends its session (the next call says "new").
    entry.child.exited.then(() => this.#end(entry, "its child exited"));
    return { ok: true, entry, state: "new" };
  }

  #arm(entry: Entry): void {
    const ms = this.#registry.config.idle_timeout_ms;
    entry.timer = setTimeout(() => this.#end(entry, `it was idle for ${ms} ms`), ms);
  }

  #end(entry: Entry, why: string, notify = true): void {
    if (entry.ended) return;
    entry.ended = true;
    clearTimeout(entry.timer);
    entry.child.kill();
    entry.release();
    if (this.#sessions.get(entry.name) === entry) this.#sessions.delete(entry.name);
    log("debug", `Sandbox session ${entry.name} ended: ${why}.`);
    if (notify && entry.files.size) this.onChange();
  }

  /** Merges a run's output files; keeps content within the connection's byte budget. */
  #store(entry: Entry, files: OutputFile[]): void {
    if (!files.length) return;
    for (const file of files) {
      entry.files.delete(file.path); // re-inserted last: the newest content is kept longest
      entry.files.set(file.path, { ...file }); // a copy: the result keeps its own content
    }
    let kept = 0;
    const newestFirst = [...this.#sessions.values()].flatMap((s) => [...s.files.values()])
      .reverse();
    for (const file of newestFirst) {
      const size = file.truncated ? 0 : file.bytes;
      if (kept + size <= this.#keptBytes) kept += size;
      else if (!file.truncated) {
        delete file.text;
        delete file.blob;
        file.truncated = true;
      }
    }
    this.onChange();
  }
}
