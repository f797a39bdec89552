/**
 * One compact line per tool for `search_tools` at detail "signatures": the signature without
 * `def` and `*`, the return shape, and a short note (deprecation, `needs approval`, a summary).
 */
import {
  asObject,
  firstSentence,
  IDENTIFIER,
  oneLine,
  pyLiteral,
  pyType,
  returnShape,
} from "./python_types.ts";
import { APPROVAL_MARK, type StubTool } from "./python_stub.ts";

/** Options for {@link renderLine}. */
export interface LineOptions {
  /** Python identifier of the function. */
  pyName: string;
  /** Leave the return shape out (the server's header states it). */
  omitReturn?: boolean;
  /** Add the short summary (a deprecated tool always gets its note). */
  summary?: boolean;
  /** A person must approve each call: the line says `# needs approval`. */
  needsApproval?: boolean;
}

/** Longest return shape on a search line. */
const LINE_RETURN_CHARS = 60;
/** Longest summary on a search line, in characters. */
const LINE_SUMMARY_CHARS = 60;

/**
 * One compact line for `search_tools`: `name(path: str, head: int=None) -> {"content": str} #
 * summary`. Keyword-only is implied (every tool is called with keywords); a deprecated tool's
 * summary is its deprecation note.
 */
export function renderLine(tool: StubTool, options: LineOptions): string {
  const input = asObject(tool.inputSchema);
  const properties = asObject(input.properties);
  const required = new Set(Array.isArray(input.required) ? input.required.map(String) : []);
  const names = Object.keys(properties);
  const params = [...names.filter((n) => required.has(n)), ...names.filter((n) => !required.has(n))]
    .map((name) => {
      const schema = asObject(properties[name]);
      const label = IDENTIFIER.test(name) ? name : JSON.stringify(name);
      if (required.has(name)) return `${label}: ${pyType(schema, 0)}`;
      const fallback = schema.default !== undefined ? pyLiteral(schema.default) : "None";
      return `${label}: ${pyType(schema, 0)}=${fallback}`;
    });
  const returns = options.omitReturn ? "" : ` -> ${lineReturn(tool)}`;
  const summary = deprecationNote(tool) ?? (options.summary ? lineSummary(tool) : "");
  const note = [options.needsApproval ? APPROVAL_MARK.slice(2) : "", summary].filter(Boolean)
    .join("; ");
  return `${options.pyName}(${params.join(", ")})${returns}${note ? ` # ${note}` : ""}`;
}

/**
 * The summary a search line may carry: the first sentence up to its first clause (`Read the
 * complete contents of a file`, not `… from the file system as text`), at most 60 characters.
 */
export function lineSummary(tool: StubTool): string {
  let text = firstSentence(tool.description ?? "").replace(/[.!?…]$/, "");
  const clause = text.slice(12).search(/[,;:(]| (?:in|from|with|that|which|using|by) /);
  if (clause >= 0) text = text.slice(0, clause + 12);
  if (text.length > LINE_SUMMARY_CHARS) {
    text = text.slice(0, text.lastIndexOf(" ", LINE_SUMMARY_CHARS));
  }
  return text.replace(/[\s,;:]+$/, "");
}

/** The return shape as a search line shows it (`Any` without an `outputSchema`). */
export function lineReturn(tool: StubTool): string {
  return tool.outputSchema ? returnShape(tool.outputSchema, LINE_RETURN_CHARS) : "Any";
}

/** Whether the tool says it is deprecated (MCP has no flag for it; descriptions say so). */
export function isDeprecated(tool: StubTool): boolean {
  return /\bdeprecated\b/i.test(
    `${(tool as { title?: string }).title ?? ""} ${tool.description ?? ""}`,
  );
}

/** `deprecated: use read_text_file instead` for a deprecated tool, else undefined. */
function deprecationNote(tool: StubTool): string | undefined {
  if (!isDeprecated(tool)) return undefined;
  const after = oneLine(tool.description ?? "").match(/\bdeprecated\b[.:,;]?\s*([^.]*)/i)?.[1];
  return `deprecated${after ? `: ${after.charAt(0).toLowerCase()}${after.slice(1)}` : ""}`;
}
