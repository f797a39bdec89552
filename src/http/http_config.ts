/**
 * Settings of the Streamable HTTP transport: the `http` section of `mcp_servers.json` (zod).
 * `--host`, `--port` and `--stateless` on the command line override the first three keys.
 */
import { z } from "zod";

const MiB = 1024 * 1024;

/** The `http` section. */
export const HttpConfigSchema = z.object({
  host: z.string().min(1).default("127.0.0.1")
    .describe("Address to bind; a non-loopback one needs MCP_CODE_MODE_TOKEN."),
  port: z.number().int().min(0).max(65535).default(8080).describe("Port (0 picks a free one)."),
  stateless: z.boolean().default(false)
    .describe("No sessions: every POST gets a fresh MCP server, GET and DELETE are refused."),
  max_body_bytes: z.number().int().min(1024).max(64 * MiB).default(4 * MiB)
    .describe("Largest request body accepted (413 past it)."),
  idle_timeout_ms: z.number().int().min(1000).max(86_400_000).default(1_800_000)
    .describe("A session with no request for this long (and none running) is closed."),
  max_sessions: z.number().int().min(1).max(10_000).default(100)
    .describe("Open sessions at most (503 for new ones past it)."),
  max_sessions_per_client: z.number().int().min(1).max(10_000).default(50)
    .describe("Open sessions at most from one client address (429 for new ones past it)."),
  request_timeout_ms: z.number().int().min(1000).max(600_000).default(30_000)
    .describe("A request's headers and body must arrive within this (408 and closed past it)."),
  allowed_hosts: z.array(z.string().min(1)).default([])
    .describe("Extra Host header names accepted (DNS rebinding protection)."),
  allowed_origins: z.array(z.string().min(1)).default([])
    .describe("Extra browser origins accepted, e.g. http://localhost:6274."),
}).strict();

/** The `http` section with defaults. */
export type HttpConfig = z.infer<typeof HttpConfigSchema>;
