/**
 * The compact text block of an `execute_code` result: what the model reads. Empty fields are
 * left out; the full result travels as `structuredContent`.
 */
import type { ExecResult } from "../contracts.ts";

/** Renders a result as one compact JSON text without empty fields. */
export function resultText(result: ExecResult): string {
  const compact: Record<string, unknown> = { ok: result.ok };
  if (result.stdout) compact.stdout = result.stdout;
  if (result.stderr) compact.stderr = result.stderr;
  if (result.result !== undefined) compact.result = result.result;
  if (result.error) {
    const { code, type, message, traceback } = result.error;
    compact.error = {
      code,
      ...(type ? { type } : {}),
      message,
      ...(traceback ? { traceback } : {}),
    };
  }
  if (result.tool_calls.length) compact.tool_calls = summariseCalls(result.tool_calls);
  if (result.truncated) compact.truncated = true;
  if (result.session) compact.session = result.session;
  if (result.files?.length) compact.files = result.files;
  compact.duration_ms = result.duration_ms;
  return JSON.stringify(compact);
}

/** Tool calls grouped by tool: `{"filesystem.read_text_file": "144 ok, 1 failed, 2.1 ms avg"}`. */
function summariseCalls(calls: ExecResult["tool_calls"]): Record<string, string> {
  const groups = new Map<string, { ok: number; failed: number; ms: number }>();
  for (const call of calls) {
    const key = `${call.server}.${call.tool}`;
    const group = groups.get(key) ?? { ok: 0, failed: 0, ms: 0 };
    if (call.ok) group.ok++;
    else group.failed++;
    group.ms += call.ms;
    groups.set(key, group);
  }
  const out: Record<string, string> = {};
  for (const [key, g] of groups) {
    const parts = [g.ok ? `${g.ok} ok` : "", g.failed ? `${g.failed} failed` : ""].filter(Boolean);
    out[key] = `${parts.join(", ")}, ${Math.round((g.ms / (g.ok + g.failed)) * 10) / 10} ms avg`;
  }
  return out;
}
