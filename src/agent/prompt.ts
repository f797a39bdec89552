/**
 * The code agent's prompts: the system prompt with the rules of the sandbox and the stubs of the
 * tools relevant to the task, and the repair message that sends a failed run's compact error back.
 */
import type { CatalogEntry } from "../broker/broker.ts";
import type { ExecResult } from "../contracts.ts";

const RULES = `You write one Python 3 program that completes the user's task, and nothing else.
The program runs in a sandbox: Pyodide, part of the standard library, no network, no host files.
Top-level await works. Upstream tools are Python functions, already defined:
  tools.<server>.<tool>(**kwargs) returns the result (parsed JSON when the tool returns JSON);
  await tools.<server>.<tool>.aio(**kwargs) is the async form, for asyncio.gather.
A failing tool raises ToolError (it has .server, .tool, .code and a message).
Do every step inside the program. End with an expression (or set a variable named result) whose
value is the compact answer; print only what helps. Reply with the program in one \`\`\`python block.`;

/** A saved skill as the prompt lists it. */
export interface PromptSkill {
  name: string;
  signature?: string;
  doc?: string;
}

/**
 * The system prompt, with the importable modules (when limited), the saved skills and the chosen
 * tools' stubs.
 */
export function systemPrompt(
  tools: readonly CatalogEntry[],
  allowedImports?: readonly string[],
  skills: readonly PromptSkill[] = [],
): string {
  const limited = allowedImports
    ? `${RULES}\nOnly these modules can be imported (anything else is refused before the program ` +
      `runs): ${allowedImports.join(", ")}.`
    : RULES;
  const rules = skills.length ? `${limited}\n\n${skillsPart(skills)}` : limited;
  if (!tools.length) return `${rules}\n\nNo upstream tools are available: use Python alone.`;
  const stubs = tools.map((e) => `# tools.${e.ref.py_server}.${e.ref.py_name}\n${e.stub.text}`)
    .join("\n\n");
  return `${rules}\n\nTools you can call (Python stubs):\n\n${stubs}`;
}

/** The saved skills: already defined, called like functions; use them when they fit. */
function skillsPart(skills: readonly PromptSkill[]): string {
  const lines = skills.map((s) =>
    `  skills.${s.name}${s.signature ?? "(...)"}${s.doc ? `  # ${s.doc}` : ""}`
  );
  return "Saved skills (working code, already defined; call them like functions and prefer them " +
    `when they fit the task; they may call tools themselves):\n${lines.join("\n")}`;
}

/** The user message that asks for the task. */
export function taskPrompt(task: string): string {
  return `Task: ${task}`;
}

/** The message that reports a failed run and asks for a fixed program. */
export function repairPrompt(result: ExecResult): string {
  const error = result.error!;
  const parts = [`The program failed with ${error.code}: ${error.message}`];
  if (error.traceback) parts.push(`Traceback:\n${tail(error.traceback, 2000)}`);
  if (result.stdout) parts.push(`Its stdout:\n${tail(result.stdout, 1000)}`);
  if (result.stderr) parts.push(`Its stderr:\n${tail(result.stderr, 1000)}`);
  parts.push("Fix the program and reply with the whole corrected program in one ```python block.");
  return parts.join("\n\n");
}

/** The message sent when a reply held no program. */
export const NO_CODE_PROMPT =
  "Your reply contained no Python program. Reply with the whole program in one " +
  "```python block.";

function tail(text: string, max: number): string {
  return text.length > max ? "…" + text.slice(-max) : text;
}
