/**
 * How an input schema of our own tools is shown in `tools/list`: zod's JSON Schema without the
 * `$schema` URL it adds at the root (about 15 tokens a tool that tell a model nothing), and (for
 * {@link listedInput}) without the bounds of its arguments, which the handler checks and names
 * when they are broken (README, "The tools this server offers": what a model reads is budgeted).
 * Parsing with the listed schema still checks each argument's type.
 */
import { z } from "zod";

/**
 * The listed form of a tool's input: each argument's type, description and listing metadata,
 * without its bounds (lengths, ranges, patterns, whole numbers); no `$schema` key.
 */
export function listedInput(schema: z.ZodObject): z.ZodObject {
  const shape = Object.fromEntries(
    Object.entries(schema.shape).map(([name, argument]) => [name, unbounded(name, argument)]),
  );
  return listed(z.object(shape));
}

/** The schema, listed without a `$schema` key. */
export function listed<T extends z.ZodType>(schema: T): T {
  return schema.meta({ $schema: undefined } as Record<string, unknown>) as T;
}

/** One argument without its checks, its metadata (description …) kept. */
function unbounded(name: string, schema: z.ZodType): z.ZodType {
  let bare: z.ZodType;
  if (schema instanceof z.ZodOptional) {
    bare = unbounded(name, schema.unwrap() as z.ZodType).optional();
  } else if (schema instanceof z.ZodString) bare = z.string();
  else if (schema instanceof z.ZodNumber) bare = z.number();
  else if ((schema._zod.def as { checks?: unknown[] }).checks?.length) {
    throw new Error(
      `The bounds of argument ${name} (${schema._zod.def.type}) cannot be left out of its ` +
        "listed schema; teach listedInput that type.",
    );
  } else return schema;
  const meta = z.globalRegistry.get(schema);
  return meta ? bare.meta(meta) : bare;
}
