/**
 * The `deno run` permission flags of a task in deno.json (the words between `run` and `main.ts`),
 * so scripts and tests start the server exactly as `deno task <name>` does.
 */

const DENO_JSON = new URL("../deno.json", import.meta.url);

/** The flags of task `name`, e.g. `taskFlags("start")`. */
export function taskFlags(name: string): string[] {
  const tasks = JSON.parse(Deno.readTextFileSync(DENO_JSON)).tasks as Record<string, string>;
  const task = tasks[name];
  if (!task) throw new Error(`deno.json has no task "${name}"`);
  const words = task.split(/\s+/);
  return words.slice(words.indexOf("run") + 1, words.indexOf("main.ts"));
}
