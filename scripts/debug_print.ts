/**
 * What the debug client prints: section lines, the tool list, an execution's result and a
 * run_agent outcome. Everything goes out through {@link say}, which shows control characters
 * escaped (`src/formatting/terminal_text.ts`): what a program, an upstream server or the network
 * controls never reaches the terminal raw. Names are kept on one line.
 */
import { clipAtWord, terminalLine, terminalText } from "../src/formatting/terminal_text.ts";

const encoder = new TextEncoder();

/** Writes `text` to stdout as it is (the client's own text only: prompts). */
export function writeRaw(text: string): void {
  const bytes = encoder.encode(text);
  for (let at = 0; at < bytes.length;) at += Deno.stdout.writeSync(bytes.subarray(at));
}

/** Prints `text` and a newline, its control characters escaped (newlines and tabs kept). */
export function say(text: string): void {
  writeRaw(`${terminalText(text)}\n`);
}

/** A section line: `── title ────`. */
export function section(title: string): void {
  say(`\n── ${terminalLine(title)} ${"─".repeat(Math.max(0, 70 - title.length))}`);
}

/** `340 ms` under a second, `1.2 s` above. */
export function duration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** A run's duration without the time it waited for the person, and that time apart. */
export function runTime(ms: number, waitedMs: number): string {
  if (waitedMs < 1) return duration(ms);
  return `${duration(Math.max(0, ms - waitedMs))} (plus ${duration(waitedMs)} waiting for you)`;
}

/** The first line of each tool's description, cut at a word boundary. */
export function printTools(tools: Array<{ name: string; description?: string }>): void {
  for (const tool of tools) {
    const first = (tool.description ?? "").split("\n")[0];
    say(`• ${terminalLine(tool.name)}: ${terminalLine(clipAtWord(first, 110))}`);
  }
}

/** An execution's result, as execute_code's structuredContent has it. */
export interface ShownResult {
  ok?: boolean;
  stdout?: string;
  stderr?: string;
  result?: unknown;
  error?: { code: string; message: string; traceback?: string };
  tool_calls?: Array<{ server: string; tool: string; ok: boolean; ms: number }>;
  duration_ms?: number;
}

/** Prints one execution: the verdict line (`→ ok` / `→ error`), its calls, output and error. */
export function printExecution(r: ShownResult, waitedMs = 0): void {
  const calls = r.tool_calls ?? [];
  const time = runTime(r.duration_ms ?? 0, waitedMs);
  say(`→ ${r.ok ? "ok" : "error"} in ${time}, ${calls.length} tool call(s)`);
  for (const c of calls.slice(0, 20)) {
    say(`   ${c.ok ? "✓" : "✗"} ${terminalLine(`${c.server}.${c.tool}`)} ${duration(c.ms)}`);
  }
  if (calls.length > 20) say(`   … ${calls.length - 20} more`);
  if (r.stdout) say(`stdout:\n${r.stdout}`);
  if (r.stderr) say(`stderr:\n${r.stderr}`);
  if (r.result !== undefined) say(`result: ${JSON.stringify(r.result)}`);
  if (r.error) {
    const { code, message, traceback } = r.error;
    say(`${terminalLine(code)}: ${message}${traceback ? `\n${traceback}` : ""}`);
  }
  if (waitedMs >= 1 && calls.length) {
    say("   (a call's time includes the time its approval question waited for you)");
  }
}

/** A run_agent outcome (its structuredContent); true when the agent answered. */
export function printAgent(out: Record<string, unknown>, waitedMs: number): boolean {
  for (const it of (out.iterations as Array<Record<string, unknown>>) ?? []) {
    section(`iteration ${it.iteration}`);
    say(String(it.code ?? `(no program: ${it.note})`));
    if (it.result) printExecution(it.result as ShownResult);
  }
  section(out.ok ? "answer" : "failed");
  say(JSON.stringify(out.ok ? out.answer : out.error, null, 2));
  const offered = (out.tools_offered as string[] | undefined) ?? [];
  say(`tools offered: ${offered.map(terminalLine).join(", ") || "none"}`);
  say(`usage: ${JSON.stringify(out.usage)}; ${runTime(Number(out.duration_ms), waitedMs)}`);
  return out.ok === true;
}
