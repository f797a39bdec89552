/**
 * The compact text block of an `execute_code` result: what the model reads. Empty fields are
 * left out; the full result travels as `structuredContent`.
 */
import type { ExecResult } from "../sandbox_host/executor.ts";

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
  if (result.tool_calls.length) {
    compact.tool_calls = result.tool_calls.map((c) =>
      `${c.server}.${c.tool} ${c.ok ? "ok" : "failed"} ${c.ms}ms`
    );
  }
  if (result.truncated) compact.truncated = true;
  compact.duration_ms = result.duration_ms;
  return JSON.stringify(compact);
}
