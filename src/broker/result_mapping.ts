/**
 * Maps an MCP `CallToolResult` to what Python receives: `structuredContent` as is; a single text
 * item as parsed JSON when it parses, else as `str`; other content (images, audio, resources) as
 * dicts; `isError` as a failure whose message becomes the `ToolError` text. A value nested deeper
 * than {@link MAX_RESULT_DEPTH} is refused as `INVALID_RESULT` before it reaches the sandbox.
 */
import type { ToolOutcome } from "../contracts.ts";
import { MAX_RESULT_DEPTH, nestedDeeperThan } from "./json_depth.ts";

/** Maps one tool result of `label` (`server.tool`, for messages) for Python. */
export function mapToolResult(result: Record<string, unknown>, label: string): ToolOutcome {
  const outcome = mapResult(result);
  if (outcome.ok && nestedDeeperThan(outcome.value, MAX_RESULT_DEPTH)) {
    return {
      ok: false,
      code: "INVALID_RESULT",
      message: `The result of ${label} is nested more than ${MAX_RESULT_DEPTH} levels deep, ` +
        "more than the sandbox accepts; ask the tool for a flatter or smaller result.",
    };
  }
  return outcome;
}

function mapResult(result: Record<string, unknown>): ToolOutcome {
  const content = Array.isArray(result.content) ? result.content as Record<string, unknown>[] : [];
  if (result.isError === true) {
    const text = content.filter((c) => c.type === "text").map((c) => String(c.text)).join("\n")
      .trim();
    return {
      ok: false,
      code: "TOOL_ERROR",
      message: text || "The tool reported an error without a message.",
    };
  }
  if (result.structuredContent !== undefined && result.structuredContent !== null) {
    return { ok: true, value: result.structuredContent };
  }
  if (content.length === 0) {
    return { ok: true, value: "toolResult" in result ? result.toolResult : null };
  }
  if (content.length === 1 && content[0].type === "text") {
    return { ok: true, value: parseText(String(content[0].text)) };
  }
  return { ok: true, value: content.map(mapItem) };
}

function mapItem(item: Record<string, unknown>): unknown {
  switch (item.type) {
    case "text":
      return String(item.text);
    case "image":
    case "audio":
      return { type: item.type, mimeType: item.mimeType, data: item.data };
    case "resource":
      return { type: "resource", ...(item.resource as Record<string, unknown>) };
    default:
      return { ...item };
  }
}

function parseText(text: string): unknown {
  const trimmed = text.trim();
  if (!/^[[{"]|^-?\d|^(true|false|null)$/.test(trimmed)) return text;
  try {
    return JSON.parse(trimmed);
  } catch {
    return text;
  }
}
