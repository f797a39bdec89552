/**
 * Skill names and files: a name is `[a-z][a-z0-9_]{0,63}` and not a Python keyword, and its file
 * is `<dir>/<name>.py`. A name that passes cannot hold a separator or `..`, so no path built from
 * it leaves the folder.
 */
import { join } from "node:path";
import { PYTHON_KEYWORDS } from "../formatting/python_keywords.ts";

const NAME = /^[a-z][a-z0-9_]{0,63}$/;

/** Why `name` is not a valid skill name, or undefined when it is. */
export function nameProblem(name: string): string | undefined {
  if (!NAME.test(name)) {
    return `The skill name ${JSON.stringify(name.slice(0, 80))} is not valid: use a lowercase ` +
      "letter, then up to 63 lowercase letters, digits or _ (for example failing_services).";
  }
  if (PYTHON_KEYWORDS.has(name)) {
    return `The skill name ${name} is a Python keyword; choose another name.`;
  }
  return undefined;
}

/** The file of skill `name` in `dir` (the name must have passed {@link nameProblem}). */
export function skillFile(dir: string, name: string): string {
  if (nameProblem(name)) throw new Error(`invalid skill name ${JSON.stringify(name)}`);
  return join(dir, `${name}.py`);
}

/** The skill name of a file name (`x.py` → `x`), or undefined when it is not a `.py` file. */
export function nameOfFile(file: string): string | undefined {
  return file.endsWith(".py") ? file.slice(0, -3) : undefined;
}
