/**
 * Test and bench support: how many o200k tokens (`npm:gpt-tokenizer`) a model is shown of a tool
 * list. A client passes each tool's name, description and input schema to the model (not its
 * `outputSchema`, title or annotations); each is counted as compact JSON.
 */
import { countTokens } from "gpt-tokenizer";

/** The parts of a listed tool a model sees. */
export interface ShownTool {
  name: string;
  description?: string;
  inputSchema?: unknown;
}

/** Tokens of one tool as a model is shown it. */
export function toolTokens(tool: ShownTool): number {
  return countTokens(
    JSON.stringify({
      name: tool.name,
      description: tool.description ?? "",
      input_schema: tool.inputSchema ?? {},
    }),
  );
}

/** Tokens of a whole tool list as a model is shown it. */
export function toolListTokens(tools: readonly ShownTool[]): number {
  return tools.reduce((sum, tool) => sum + toolTokens(tool), 0);
}

/** Tokens of a text. */
export function textTokens(text: string): number {
  return countTokens(text);
}
