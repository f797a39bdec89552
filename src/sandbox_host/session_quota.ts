/**
 * The host-wide count of sandbox sessions: at most `sessions.max_total` for everyone together and
 * at most `sessions.max_per_client` for one client (a bearer token over HTTP, an MCP session
 * without one, the stdio client), so that no client can take every slot. A slot is taken, checked
 * and counted in one synchronous step, before the session's child is started, and held until the
 * session ends: many starts at once cannot overshoot either limit. Pure: no children, no timers.
 * The refusal past a connection's own limit (`max_per_connection`) is worded here too.
 */
import type { RunError } from "../contracts.ts";
import type { SessionsConfig } from "./sessions_config.ts";

/** Who a session is counted for. */
export interface SessionClient {
  /** What the count is kept by (e.g. `bearer:1`, `http:<uuid>`, `stdio`). */
  id: string;
  /** How messages name it (e.g. `bearer token 1`, `an MCP session without a token`). */
  label: string;
}

/** The one client of a stdio server. */
export const STDIO_CLIENT: SessionClient = { id: "stdio", label: "stdio" };

/** A slot taken (give it back with `release`; a second call does nothing), or the refusal. */
export type Slot = { ok: true; release: () => void } | { ok: false; error: RunError };

/** `sessions.max_per_client`, or its default: half of `max_total`, at least 1. */
export function perClientLimit(config: Pick<SessionsConfig, "max_total" | "max_per_client">) {
  return config.max_per_client ?? Math.max(1, Math.floor(config.max_total / 2));
}

/** The counts of every client's sessions (live and starting). */
export class SessionQuota {
  readonly maxTotal: number;
  readonly maxPerClient: number;
  #total = 0;
  #byClient = new Map<string, number>();

  constructor(config: Pick<SessionsConfig, "max_total" | "max_per_client">) {
    this.maxTotal = config.max_total;
    this.maxPerClient = perClientLimit(config);
  }

  /** Sessions held by everyone together. */
  get total(): number {
    return this.#total;
  }

  /** Sessions held by one client. */
  heldBy(client: SessionClient): number {
    return this.#byClient.get(client.id) ?? 0;
  }

  /** Takes a slot for `client`, or says which limit refuses it. */
  take(client: SessionClient): Slot {
    const held = this.heldBy(client);
    // A share as large as the total binds no sooner: the host-wide message says more.
    if (this.maxPerClient < this.maxTotal && held >= this.maxPerClient) {
      return { ok: false, error: this.#clientRefusal(client, held) };
    }
    if (this.#total >= this.maxTotal) return { ok: false, error: this.#totalRefusal() };
    this.#total++;
    this.#byClient.set(client.id, held + 1);
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        this.#total--;
        const left = this.heldBy(client) - 1;
        if (left > 0) this.#byClient.set(client.id, left);
        else this.#byClient.delete(client.id);
      },
    };
  }

  #clientRefusal(client: SessionClient, held: number): RunError {
    return {
      code: "SESSION_LIMIT",
      message: `This client (${client.label}) already keeps ${held} sandbox sessions, its share ` +
        `of the server's ${this.maxTotal} (sessions.max_per_client is ${this.maxPerClient}; ` +
        "its sessions on every MCP connection count); reuse one of them, run without a " +
        "session, or end one: a session ends when its MCP connection closes or after " +
        "sessions.idle_timeout_ms unused. The server's operator can raise " +
        "sessions.max_per_client.",
    };
  }

  #totalRefusal(): RunError {
    return {
      code: "SESSION_LIMIT",
      message: `The server already keeps ${this.maxTotal} sandbox sessions, the most it keeps ` +
        "for all clients together (sessions.max_total); reuse a session, run without one, or " +
        "try again when one has ended.",
    };
  }
}

/** The refusal of a connection's session past `sessions.max_per_connection`. */
export function connectionFull(max: number, names: string[]): RunError {
  return {
    code: "SESSION_LIMIT",
    message: `This connection already keeps ${max} sessions (sessions.max_per_connection)` +
      `${names.length ? `: ${names.join(", ")}` : ""}; reuse one of them, run without a ` +
      "session, or wait until one ends (sessions.idle_timeout_ms).",
  };
}
