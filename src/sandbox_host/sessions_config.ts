/**
 * The `sessions` and `files` sections of the configuration: how many sandbox sessions a
 * connection, a client and the host may keep, how long an idle one lives, and the byte limits of
 * the files a run takes in and gives back.
 */
import { z } from "zod";

const MiB = 1024 * 1024;

/** The `sessions` section. */
export const SessionsConfigSchema = z.object({
  max_per_connection: z.number().int().min(0).max(64).default(4)
    .describe("Sessions one MCP connection may keep (SESSION_LIMIT past it)."),
  max_total: z.number().int().min(0).max(256).default(16)
    .describe("Sessions the whole server may keep (SESSION_LIMIT past it)."),
  max_per_client: z.number().int().min(0).max(256).optional()
    .describe(
      "Sessions one client may keep across its MCP connections (SESSION_LIMIT past it): a " +
        "bearer token, an HTTP session without one, the stdio client. Default: half of " +
        "max_total, at least 1.",
    ),
  idle_timeout_ms: z.number().int().min(100).max(86_400_000).default(600_000)
    .describe("A session unused this long is ended and its child killed."),
}).strict();

/** Session limits with defaults applied. */
export type SessionsConfig = z.infer<typeof SessionsConfigSchema>;

/** The `files` section. */
export const FilesConfigSchema = z.object({
  max_input_bytes: z.number().int().min(0).max(64 * MiB).default(10 * MiB)
    .describe("Total size of the files one execution may take in (INVALID_INPUT past it)."),
  max_output_bytes: z.number().int().min(0).max(3 * MiB).default(MiB)
    .describe("Total size of /data/out files embedded in one result; larger ones are listed only."),
}).strict();

/** File limits with defaults applied. */
export type FilesConfig = z.infer<typeof FilesConfigSchema>;
