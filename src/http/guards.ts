/**
 * The checks every HTTP request passes before it reaches MCP: the bearer token (one of the
 * server's tokens, compared in constant time; which one says who the client is), and the Host and
 * Origin headers against DNS rebinding. Pure functions, so the rules can be tested without a
 * server.
 */
import { createHash, timingSafeEqual } from "node:crypto";

const LOOPBACK_NAMES = ["localhost", "127.0.0.1", "[::1]"];

/** True for an address only this machine can reach (127.0.0.0/8, ::1, localhost). */
export function isLoopback(host: string): boolean {
  const name = host.toLowerCase().replace(/^\[(.*)\]$/, "$1");
  return name === "localhost" || name === "::1" || /^127(\.\d{1,3}){3}$/.test(name);
}

/** Why the server must not start with this bind address and token, or undefined when it may. */
export function bindRefusal(host: string, token: string | undefined): string | undefined {
  if (isLoopback(host) || token) return undefined;
  return `Refusing to serve HTTP on ${host} without a token: anyone who can reach it could run ` +
    "code. Set MCP_CODE_MODE_TOKEN to a long random secret (clients send it as " +
    '"Authorization: Bearer <token>"), or bind a loopback address such as 127.0.0.1.';
}

/** True when the Authorization header carries exactly `token` as a bearer token. */
export function tokenMatches(authorization: string | null, token: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
  // Hashing first makes both sides the same length, so the comparison time says nothing.
  const given = createHash("sha256").update(match?.[1] ?? "").digest();
  const expected = createHash("sha256").update(token).digest();
  return timingSafeEqual(given, expected) && match !== null;
}

/** The tokens of `MCP_CODE_MODE_TOKEN`: one, or several separated by white space. */
export function parseTokens(value: string | undefined): string[] {
  return (value ?? "").split(/\s+/).filter((token) => token.length > 0);
}

/**
 * Which of `tokens` the Authorization header carries (0-based), or -1. Every token is compared,
 * each in constant time, so the time taken says nothing about which one (or how much) matched.
 */
export function matchingToken(authorization: string | null, tokens: string[]): number {
  let found = -1;
  tokens.forEach((token, i) => {
    if (tokenMatches(authorization, token) && found < 0) found = i;
  });
  return found;
}

/** Which Host and Origin headers a server accepts. */
export interface OriginPolicy {
  /** Accepted host names, lower case, IPv6 in brackets; empty accepts any. */
  hostnames: Set<string>;
  /** The port the server listens on (a Host header with another port is refused). */
  port: number;
  /** Accepted browser origins (`scheme://host:port`). */
  origins: Set<string>;
}

/** Options for {@link originPolicy}. */
export interface OriginPolicyOptions {
  /** Extra host names (`allowed_hosts`). */
  hosts?: string[];
  /** Extra origins (`allowed_origins`). */
  origins?: string[];
}

/** The policy of a server bound to `host`:`port`: loopback names only when bound to loopback. */
export function originPolicy(host: string, port: number, options: OriginPolicyOptions = {}) {
  const hostnames = new Set((options.hosts ?? []).map((h) => h.toLowerCase()));
  if (isLoopback(host)) { for (const name of LOOPBACK_NAMES) hostnames.add(name); }
  const origins = new Set<string>();
  for (const name of isLoopback(host) ? LOOPBACK_NAMES : []) origins.add(`http://${name}:${port}`);
  for (const origin of options.origins ?? []) origins.add(normalOrigin(origin) ?? origin);
  return { hostnames, port, origins } satisfies OriginPolicy;
}

/** Why the Host header is refused, or undefined when it is accepted. */
export function hostRefusal(hostHeader: string | null, policy: OriginPolicy): string | undefined {
  if (policy.hostnames.size === 0) return undefined;
  const parsed = /^(\[[^\]]*\]|[^:]*)(?::(\d+))?$/.exec((hostHeader ?? "").toLowerCase());
  const ok = parsed !== null && policy.hostnames.has(parsed[1]) &&
    (parsed[2] === undefined || Number(parsed[2]) === policy.port);
  if (ok) return undefined;
  return `Host header ${JSON.stringify(hostHeader)} is not allowed (DNS rebinding protection); ` +
    `use one of ${[...policy.hostnames].join(", ")}, or add the name to http.allowed_hosts.`;
}

/** Why the Origin header is refused, or undefined when it is absent or accepted. */
export function originRefusal(origin: string | null, policy: OriginPolicy): string | undefined {
  if (origin === null) return undefined; // not a browser
  if (policy.origins.has(normalOrigin(origin) ?? "")) return undefined;
  return `Origin ${JSON.stringify(origin)} is not allowed (DNS rebinding protection); ` +
    "add it to http.allowed_origins if a browser page there should reach this server.";
}

function normalOrigin(origin: string): string | undefined {
  try {
    const url = new URL(origin);
    return url.origin === "null" ? undefined : url.origin;
  } catch {
    return undefined;
  }
}
