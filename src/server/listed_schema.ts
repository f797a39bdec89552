/**
 * How an input schema of our own tools is shown in `tools/list`: zod's JSON Schema without the
 * `$schema` URL it adds at the root (about 15 tokens a tool that tell a model nothing). Parsing is
 * unchanged: the metadata only affects the JSON Schema that is generated.
 */
import type { z } from "zod";

/** The schema, listed without a `$schema` key. */
export function listed<T extends z.ZodType>(schema: T): T {
  return schema.meta({ $schema: undefined } as Record<string, unknown>) as T;
}
