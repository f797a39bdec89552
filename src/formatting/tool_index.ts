/**
 * What the model sees about the tools without asking: the `execute_code` description (how to call
 * tools plus a compact index of server and tool names, capped so it stays small however many tools
 * exist; each listed server's description, which says how its paths work, whole; saved skills in a
 * line of their own budget, so they never squeeze the servers), and the rendering of
 * `search_tools` results at three levels of detail.
 */
import type { ToolRef } from "../contracts.ts";
import type { Tool } from "../mcp_client_sdk.ts";
import type { PythonStub } from "./python_stub.ts";
import { isDeprecated, lineReturn, lineSummary, renderLine } from "./search_line.ts";

/** What the index and search answers need of one callable tool (a broker catalog entry). */
export interface IndexedTool {
  ref: ToolRef;
  tool: Tool;
  stub: PythonStub;
}

/** What the index shows of one upstream server. */
export interface IndexedServer {
  name: string;
  pyName: string;
  status: string;
  reason: string;
  description?: string;
  tools: string[];
}

/** How much of a tool `search_tools` shows. */
export type Detail = "names" | "signatures" | "full";

/** Options for {@link executeCodeDescription}: the slots later features fill. */
export interface DescriptionOptions {
  /** `py_server.py_name` of tools left out of the index (deprecated ones; search still finds them). */
  hidden?: ReadonlySet<string>;
  /** Some listed tool needs a person's approval: adds {@link APPROVAL_SENTENCE}. */
  approvals?: boolean;
  /** `execute_code` takes `session`: says that state is kept under it. */
  sessions?: boolean;
  /** Saved skills: one more index line, in its own budget ({@link SKILLS_BUDGET_CHARS}). */
  skills?: readonly { name: string; summary?: string }[];
}

/** What the sandbox is and what comes back (≈ 27 tokens). */
const BASE = "Runs sandboxed Python 3 (stdlib only, no network); returns stdout and " +
  "the last expression's value.";
const FRESH = " Each call starts fresh.";
const FRESH_UNLESS_SESSION = " Each call starts fresh unless it names a session.";
/** How to call tools (≈ 40 tokens). */
const TOOLS_HOWTO =
  " Call tools.<server>.<tool>(**kw); for asyncio.gather, await its .aio(**kw); " +
  "failures raise ToolError. Do all steps in one program; return a compact result.";
/** The approvals slot (≈ 15 tokens); such tools are marked `# needs approval` in search_tools. */
export const APPROVAL_SENTENCE =
  " Tools marked needs approval may be refused (ToolError APPROVAL_DENIED).";

/**
 * Characters of the server lines kept in the description; names are separated by spaces (cheaper
 * than commas) and run 3 to 5 characters a token. A server's description is shown whole (it says
 * how the server's paths work); its tools fill what is left of its share.
 */
export const INDEX_BUDGET_CHARS = 260;
/** Characters of the skills line (≈ 25 tokens), apart from the servers' budget. */
export const SKILLS_BUDGET_CHARS = 100;
const MIN_SHARE = 60;
/** Most characters of a server's description shown (a bound for a runaway text, not a share). */
const DESCRIPTION_CHARS = 160;

/** The `execute_code` description: what it does, how to call tools, and the tool index. */
export function executeCodeDescription(
  servers: readonly IndexedServer[],
  options: DescriptionOptions = {},
): string {
  const prose = BASE + (options.sessions ? FRESH_UNLESS_SESSION : FRESH);
  const skills = options.skills ?? [];
  if (!servers.length && !skills.length) return prose;
  const howto = TOOLS_HOWTO + (options.approvals ? APPROVAL_SENTENCE : "");
  const index = servers.map((s) => ({
    ...s,
    tools: s.tools.filter((t) => !options.hidden?.has(`${s.pyName}.${t}`)),
  }));
  // Every listed server gets a fair share, so none disappears behind another; what a short line
  // leaves over goes to the others.
  const listed = index.slice(0, Math.max(1, Math.floor(INDEX_BUDGET_CHARS / MIN_SHARE)));
  const heads = listed.map((server) =>
    server.status !== "ready" && !server.tools.length
      ? { head: `${server.pyName}: unavailable (${truncate(server.reason, 40)})`, items: [] }
      : { head: `${server.pyName}${about(server.description)}:`, items: server.tools }
  );
  const needs = heads.map((h) => fill(h.head, h.items, Infinity).line.length);
  const shares = fairShares(needs, INDEX_BUDGET_CHARS);
  const lines = heads.map((h, i) => fill(h.head, h.items, shares[i]).line);
  if (skills.length) lines.push(skillsLine(skills));
  // "(+N more)" on a line says that search_tools knows more; servers left out are counted here.
  const more = index.length - listed.length;
  const tail = more ? [`…and ${more} more servers: search_tools`] : [];
  return `${prose}${howto}\n${[...lines, ...tail].join("\n")}`;
}

/** `skills: name (summary) …`, within {@link SKILLS_BUDGET_CHARS} (summaries go first). */
function skillsLine(skills: readonly { name: string; summary?: string }[]): string {
  const described = skills.map((k) =>
    k.summary ? `${k.name} (${truncate(k.summary, 40)})` : k.name
  );
  const full = fill("skills:", described, SKILLS_BUDGET_CHARS);
  if (!full.rest) return full.line;
  return fill("skills:", skills.map((k) => k.name), SKILLS_BUDGET_CHARS).line;
}

/** Splits `budget`: lines that need less than an equal share keep what they need. */
function fairShares(needs: readonly number[], budget: number): number[] {
  const shares = needs.map(() => 0);
  let left = budget;
  let open = needs.map((_, i) => i);
  while (open.length) {
    const equal = Math.floor(left / open.length);
    const small = open.filter((i) => needs[i] <= equal);
    if (!small.length) {
      for (const i of open) shares[i] = equal;
      break;
    }
    for (const i of small) {
      shares[i] = needs[i];
      left -= needs[i];
    }
    open = open.filter((i) => needs[i] > equal);
  }
  return shares;
}

/** `head` followed by as many `items` as fit in `share` characters, and `(+N more)`. */
function fill(head: string, items: readonly string[], share: number) {
  let line = head;
  let shown = 0;
  for (const item of items) {
    if (line.length + 1 + item.length > share) break;
    line += ` ${item}`;
    shown++;
  }
  const rest = items.length - shown;
  return { line: rest ? `${line} (+${rest} more)` : line, rest };
}

/** Characters of summary a search answer may spend per tool line, on average. */
export const SUMMARY_CHARS_PER_LINE = 20;

/**
 * Renders search results at the requested detail, grouped by server (one `# tools.<server>` header,
 * then one line per tool; servers in the order of their best match, deprecated tools last and
 * marked). At `signatures`, the return shape most tools of a group share is said once in the
 * header, and short summaries go to the best matches first, within {@link SUMMARY_CHARS_PER_LINE}
 * characters a line on average.
 */
export function renderResults(entries: readonly IndexedTool[], detail: Detail): string {
  if (!entries.length) {
    return "No tool matches; try other words, or search_tools with an empty query to list all.";
  }
  const summaries = new Set<IndexedTool>();
  let budget = SUMMARY_CHARS_PER_LINE * entries.length;
  for (const entry of entries) {
    const length = isDeprecated(entry.tool) ? 0 : lineSummary(entry.tool).length;
    if (length > 0 && length <= budget) {
      summaries.add(entry);
      budget -= length;
    }
  }
  const groups = new Map<string, IndexedTool[]>();
  for (const entry of entries) {
    groups.set(entry.ref.py_server, [...groups.get(entry.ref.py_server) ?? [], entry]);
  }
  const blocks = [...groups].map(([server, group]) => {
    const ordered = [
      ...group.filter((e) => !isDeprecated(e.tool)),
      ...group.filter((e) => isDeprecated(e.tool)),
    ];
    if (detail === "names") {
      return `tools.${server}: ${
        ordered.map((e) => e.ref.py_name + (isDeprecated(e.tool) ? "(deprecated)" : "")).join(" ")
      }`;
    }
    if (detail === "full") {
      return `# tools.${server}\n${ordered.map((e) => e.stub.text).join("\n\n")}`;
    }
    const shared = commonReturn(ordered);
    const header = `# tools.${server}${shared ? ` (returns ${shared} unless shown)` : ""}`;
    const lines = ordered.map((e) =>
      renderLine(e.tool, {
        pyName: e.ref.py_name,
        omitReturn: shared !== undefined && lineReturn(e.tool) === shared,
        summary: summaries.has(e),
        needsApproval: e.ref.needs_approval,
      })
    );
    return [header, ...lines].join("\n");
  });
  return blocks.join(detail === "full" ? "\n\n" : "\n");
}

/**
 * The last line of an answer cut at its limit: how many matches were left out, per server (in
 * ranking order), and how to get them; undefined when nothing was left out.
 */
export function moreLine(
  left: readonly IndexedTool[],
  matched: number,
  maxLimit: number,
): string | undefined {
  if (!left.length) return undefined;
  const counts = new Map<string, number>();
  for (const entry of left) {
    counts.set(entry.ref.py_server, (counts.get(entry.ref.py_server) ?? 0) + 1);
  }
  const servers = [...counts].map(([server, n]) => `${server} ${n}`).join(", ");
  const narrow = counts.size > 1 ? "server= one of them" : "a narrower query";
  return `(${left.length} more not shown: ${servers}; pass limit=${Math.min(matched, maxLimit)} ` +
    `(up to ${maxLimit}) or ${narrow}.)`;
}

/** The return shape at least two tools of the group share, the most common one (not `Any`). */
function commonReturn(group: readonly IndexedTool[]): string | undefined {
  const counts = new Map<string, number>();
  for (const entry of group) {
    const shape = lineReturn(entry.tool);
    if (shape !== "Any") counts.set(shape, (counts.get(shape) ?? 0) + 1);
  }
  const [best] = [...counts].sort((a, b) => b[1] - a[1]);
  return best && best[1] >= 2 ? best[0] : undefined;
}

/** `py_server.py_name` of every deprecated tool (left out of the index). */
export function deprecatedTools(entries: readonly IndexedTool[]): Set<string> {
  return new Set(
    entries.filter((e) => isDeprecated(e.tool)).map((e) => `${e.ref.py_server}.${e.ref.py_name}`),
  );
}

/** The server's description (how its paths work, say), whole (up to a bound for runaway text). */
function about(description: string | undefined): string {
  const text = description?.trim().replace(/\s+/g, " ");
  return text ? ` (${truncate(text, DESCRIPTION_CHARS)})` : "";
}

function truncate(text: string, max: number): string {
  return text.length > max ? text.slice(0, max - 1) + "…" : text;
}
