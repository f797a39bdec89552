/**
 * Registers one of our tools from one zod schema: the schema with its bounds is the tool's input;
 * `tools/list` shows it without them ({@link listedInput}: what a model reads is budgeted), the
 * SDK checks each argument's type against that listed form, and the bounds are checked here,
 * once, before the handler runs, answering arguments outside them with the tool's own error that
 * names each argument and what it allows.
 */
import type { z } from "zod";
import type { CallToolResult, McpServer } from "../mcp_sdk.ts";
import type { RequestInfo } from "./approval_setup.ts";
import type { InFlight } from "./in_flight.ts";
import { listedInput } from "./listed_schema.ts";
import type { ProgressRequest } from "./tool_progress.ts";

/** What a tool handler knows about its request (the SDK's `RequestHandlerExtra`). */
export interface ToolExtra extends RequestInfo, ProgressRequest {
  signal: AbortSignal;
}

/** A registered tool (its description can be updated). */
export type RegisteredTool = ReturnType<McpServer["registerTool"]>;

/** What a tool is registered with. */
export interface CheckedToolSpec<S extends z.ZodObject> {
  title: string;
  description: string;
  /** The input with every bound (listed without them). */
  input: S;
  outputSchema?: z.ZodObject;
  annotations: { readOnlyHint?: boolean; destructiveHint?: boolean; openWorldHint?: boolean };
  /** The answer to arguments outside `input`'s bounds; `message` names each one. */
  invalid: (message: string) => CallToolResult;
  /** Counts each call, the check included, as being answered (for shutdown). */
  inFlight?: InFlight;
}

/** Registers tool `name` on `server`; `handler` gets only input within the bounds. */
export function registerCheckedTool<S extends z.ZodObject>(
  server: McpServer,
  name: string,
  spec: CheckedToolSpec<S>,
  handler: (input: z.infer<S>, extra: ToolExtra) => Promise<CallToolResult>,
): RegisteredTool {
  const answer = (input: unknown, extra: ToolExtra) => {
    const checked = spec.input.safeParse(input);
    if (!checked.success) {
      return Promise.resolve(spec.invalid(invalidArguments(name, checked.error)));
    }
    return handler(checked.data, extra);
  };
  return server.registerTool(
    name,
    {
      title: spec.title,
      description: spec.description,
      inputSchema: listedInput(spec.input),
      ...(spec.outputSchema ? { outputSchema: spec.outputSchema } : {}),
      annotations: spec.annotations,
    },
    (input: unknown, extra: ToolExtra) =>
      spec.inFlight ? spec.inFlight.track(() => answer(input, extra)) : answer(input, extra),
  );
}

/** `Invalid arguments for <tool>: <argument>: <what is wrong>; ….` */
export function invalidArguments(tool: string, error: z.ZodError): string {
  return `Invalid arguments for ${tool}: ` +
    error.issues.map((i) => `${i.path.join(".") || "input"}: ${i.message}`).join("; ") + ".";
}
