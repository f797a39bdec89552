/**
 * What the model sees about the tools without asking: the `execute_code` description (how to call
 * tools plus a compact index of server and tool names, capped so it stays small however many tools
 * exist; a server's description, which says how its paths work, when there is room), and the
 * rendering of `search_tools` results at three levels of detail.
 */
import type { CatalogEntry, ServerSummary } from "../broker/broker.ts";
import { renderSummary } from "./python_stub.ts";

/** How much of a tool `search_tools` shows. */
export type Detail = "names" | "signatures" | "full";

const BASE = [
  "Run one Python 3 program in an isolated sandbox (Pyodide; common stdlib modules such as json,",
  "re, datetime; no files, network or host environment) and get back its stdout, stderr and the",
  "value of its last expression (or of a variable `result`). Top-level `await` works; every call",
  "starts fresh.",
].join(" ");

const TOOLS_HOWTO = [
  "Upstream tools are Python functions: `tools.<server>.<tool>(**kwargs)` returns the result",
  "(parsed JSON when it is JSON); `await tools.<server>.<tool>.aio(**kwargs)` is the async form for",
  "`asyncio.gather`. A failed call raises `ToolError`. Get signatures from `search_tools` or",
  "`help(tools.<server>.<tool>)`. Do every step in one program; print or return a compact summary.",
].join(" ");

const APPROVAL_NOTE = "Some tools need a person's approval (`# needs approval`); a refused call " +
  "raises `ToolError` with code APPROVAL_DENIED.";

/** Characters of the tool index kept in the description (tool names run 3 to 5 characters a token). */
export const INDEX_BUDGET_CHARS = 660;
const MIN_SHARE = 60;
/** Most characters of a server's description shown in the index. */
const DESCRIPTION_CHARS = 110;

/** The `execute_code` description with the tool index (and a note when some tools need approval). */
export function executeCodeDescription(
  servers: readonly ServerSummary[],
  options: { approvals?: boolean } = {},
): string {
  if (!servers.length) return BASE;
  // Every listed server gets an equal share of the budget, so none disappears behind another.
  const listed = servers.slice(0, Math.max(1, Math.floor(INDEX_BUDGET_CHARS / MIN_SHARE)));
  const share = Math.floor(INDEX_BUDGET_CHARS / listed.length);
  const lines: string[] = [];
  let hidden = 0;
  for (const server of listed) {
    if (server.status !== "ready" && !server.tools.length) {
      lines.push(`- ${server.pyName}: unavailable (${truncate(server.reason, 40)})`);
      continue;
    }
    let line = `- ${server.pyName}${about(server.description, share)}: `;
    let shown = 0;
    for (const name of server.tools) {
      const piece = (shown ? ", " : "") + name;
      if (line.length + piece.length > share) break;
      line += piece;
      shown++;
    }
    const rest = server.tools.length - shown;
    hidden += rest;
    lines.push(rest ? `${line}${shown ? " " : ""}(+${rest} more)` : line);
  }
  const more = servers.length - listed.length;
  const tail = more || hidden
    ? [
      `…and ${hidden ? `${hidden} more tools` : ""}${hidden && more ? " and " : ""}${
        more ? `${more} more servers` : ""
      }, use search_tools`,
    ]
    : [];
  const howto = options.approvals ? `${TOOLS_HOWTO} ${APPROVAL_NOTE}` : TOOLS_HOWTO;
  return `${BASE} ${howto}\nTools:\n${[...lines, ...tail].join("\n")}`;
}

/** Renders search results at the requested detail. */
export function renderResults(entries: readonly CatalogEntry[], detail: Detail): string {
  if (!entries.length) {
    return "No tool matches; try other words, or search_tools with an empty query to list all.";
  }
  return entries.map((e) => {
    const options = {
      pyName: e.ref.py_name,
      pyServer: e.ref.py_server,
      needsApproval: e.ref.needs_approval,
    };
    if (detail === "names") return `tools.${e.ref.py_server}.${e.ref.py_name}`;
    if (detail === "signatures") {
      return `# tools.${e.ref.py_server}\n${renderSummary(e.tool, options)}`;
    }
    return `# tools.${e.ref.py_server}\n${e.stub.text}`;
  }).join(detail === "full" ? "\n\n" : "\n");
}

/** The server's description (how its paths work, say) when its share of the index has room. */
function about(description: string | undefined, share: number): string {
  const room = Math.min(DESCRIPTION_CHARS, Math.floor(share / 2));
  const text = description?.trim().replace(/\s+/g, " ");
  return text && room >= 40 ? ` (${truncate(text, room)})` : "";
}

function truncate(text: string, max: number): string {
  return text.length > max ? text.slice(0, max - 1) + "…" : text;
}
