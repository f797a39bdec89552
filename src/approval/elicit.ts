/**
 * Asking a person whether one tool call may go ahead: the `elicitation/create` question (message
 * with every argument shown exactly as sent, see `question_text.ts`, and the answer form), sent
 * through the MCP request that ran the code, and the mapping of every possible answer — accept,
 * decline, cancel, no capability, timeout — to a {@link Decision} whose message tells Python which
 * of them happened and whether the refusal holds for the rest of the run.
 */
import type { ToolRef } from "../contracts.ts";
import { McpErrorCode, type McpServer } from "../mcp_sdk.ts";
import type { ApprovalConfig } from "./approval_config.ts";
import { quote, renderArguments } from "./question_text.ts";

/** How long a decision holds. */
export type Scope = "once" | "execution" | "session";

/**
 * The outcome of asking. A refusal with `sticky` (what the person did, e.g. "declined it") holds
 * for the rest of the execution: later calls of the tool are refused without asking.
 */
export type Decision =
  | { ok: true; scope?: Scope }
  | { ok: false; message: string; sticky?: string };

/** The client's answer to `elicitation/create`. */
export interface ElicitAnswer {
  action: "accept" | "decline" | "cancel";
  content?: Record<string, unknown>;
}

/** The `elicitation/create` parameters of a form question. */
export interface ApprovalQuestion {
  message: string;
  requestedSchema: {
    type: "object";
    properties: Record<string, Record<string, unknown>>;
    required?: string[];
  };
}

/** Puts questions to the person behind one MCP request's client. */
export interface Asker {
  /** Why the client cannot be asked (e.g. it does not declare elicitation); undefined when it can. */
  unavailable(): string | undefined;
  /** Sends the question; rejects on timeout, cancellation or a closed connection. */
  ask(
    question: ApprovalQuestion,
    options: { timeout: number; signal: AbortSignal },
  ): Promise<ElicitAnswer>;
}

/**
 * The {@link Asker} of one request served by `server` (its answers go to that client only).
 * Stateless HTTP cannot carry a question: the answer would arrive at another server instance.
 */
export function mcpAsker(
  server: McpServer,
  requestId: string | number,
  options: { stateless?: boolean } = {},
): Asker {
  return {
    unavailable: () => {
      if (options.stateless) return "the server runs stateless HTTP, which cannot carry a question";
      if (server.server.getClientCapabilities()?.elicitation?.form) return undefined;
      return "it does not support elicitation";
    },
    ask: (question, { timeout, signal }) =>
      server.server.elicitInput(
        { mode: "form", ...question } as never,
        { relatedRequestId: requestId, timeout, signal },
      ) as Promise<ElicitAnswer>,
  };
}

/** The question about calling `ref` with `args`, or why it cannot be put. */
export function approvalQuestion(
  ref: ToolRef,
  args: Record<string, unknown>,
  options: { config: ApprovalConfig; undeclared?: readonly string[] },
): { ok: true; question: ApprovalQuestion } | { ok: false; message: string } {
  const { config } = options;
  const shown = renderArguments(args, {
    maxChars: config.question_max_chars,
    longArguments: config.long_arguments,
    undeclared: options.undeclared,
  });
  const call = `${ref.server}.${ref.tool}`;
  if (!shown.ok) {
    return {
      ok: false,
      message: `${call} was not called: it needs a person's approval, and its arguments cannot ` +
        `be shown to them whole (${shown.reason}); a person can only approve what they see. ` +
        "Pass fewer or smaller arguments (e.g. several calls with smaller parts), or have the " +
        'server\'s owner raise approval.question_max_chars or set approval.long_arguments to "cut".',
    };
  }
  const what = shown.count === 0
    ? "with no arguments."
    : `with ${shown.count === 1 ? "this argument" : `these ${shown.count} arguments`}, shown ` +
      "exactly as sent (\\n is a line break, \\u{…} an invisible or control character):\n" +
      shown.text;
  return {
    ok: true,
    question: {
      message: `Code running in the sandbox wants to call the tool ${quote(ref.tool)} of the ` +
        `server ${quote(ref.server)} ${what}\nAllow this call?`,
      requestedSchema: FORM,
    },
  };
}

/** The answer form: allow or not, how long an approval holds, whether a refusal sticks. */
const FORM: ApprovalQuestion["requestedSchema"] = {
  type: "object",
  properties: {
    approve: {
      type: "boolean",
      title: "Allow the call",
      description: "Let the tool run with exactly these arguments.",
      default: false,
    },
    scope: {
      type: "string",
      title: "If allowed, allow",
      description: "once: this call only; execution: every call of this tool in this run; " +
        "session: every call of this tool until the session ends.",
      enum: ["once", "execution", "session"],
      enumNames: ["This call only", "The rest of this run", "The rest of this session"],
      default: "once",
    },
    ask_again: {
      type: "boolean",
      title: "If refused, ask again",
      description: "Off: once refused, this tool is refused for the rest of this run without " +
        "asking. On: every further call of it in this run asks again.",
      default: false,
    },
  },
  required: ["approve"],
};

/**
 * The decision when the client cannot be asked (`approval.without_elicitation`), before any
 * question is built; undefined when it can be asked.
 */
export function withoutAsking(
  asker: Asker,
  ref: ToolRef,
  config: ApprovalConfig,
): Decision | undefined {
  const unavailable = asker.unavailable();
  if (unavailable === undefined) return undefined;
  if (config.without_elicitation === "allow") return { ok: true };
  return {
    ok: false,
    message: `${ref.server}.${ref.tool} was not called: it needs a person's approval and this ` +
      `MCP client cannot be asked (${unavailable}). The server's setting ` +
      'approval.without_elicitation ("deny") refuses such calls; set it to "allow" to let them ' +
      "through without asking.",
  };
}

/** Asks about one call and maps every answer (or none) to a decision; never throws. */
export async function askApproval(
  asker: Asker,
  ref: ToolRef,
  question: ApprovalQuestion,
  options: { config: ApprovalConfig; signal: AbortSignal },
): Promise<Decision> {
  const { config, signal } = options;
  const call = `${ref.server}.${ref.tool}`;
  const refused = (why: string) =>
    ({ ok: false, message: `${call} was not called: ${why}` }) as const;
  const sticks = (did: string): Decision => ({
    ok: false,
    message: `${call} was not called: the person ${did}. Further calls of this tool in this ` +
      "run are refused without asking.",
    sticky: did,
  });
  const early = withoutAsking(asker, ref, config);
  if (early) return early;
  let answer: ElicitAnswer;
  try {
    answer = await asker.ask(question, { timeout: config.timeout_ms, signal });
  } catch (error) {
    if (signal.aborted) return refused("the run ended while the approval question was open.");
    if ((error as { code?: unknown }).code === McpErrorCode.RequestTimeout) {
      return sticks(
        `did not answer within approval.timeout_ms (${config.timeout_ms} ms)`,
      );
    }
    return refused(`the approval question could not be asked (${(error as Error).message}).`);
  }
  if (answer.action === "decline") return sticks("declined it");
  if (answer.action === "cancel") return sticks("dismissed the question (cancel)");
  if (answer.content?.approve !== true) {
    if (answer.content?.ask_again === true) return refused("the person answered approve = false.");
    return sticks("answered approve = false");
  }
  const scope = answer.content.scope;
  return { ok: true, scope: scope === "execution" || scope === "session" ? scope : "once" };
}
