/**
 * Loads `.env` files (parsed by the `dotenv` package) into the environment before the
 * configuration is read: the one next to the config file, then the one in the current folder.
 * A missing file is no error and prints nothing; variables already set are kept (the shell wins,
 * and the config's `.env` wins over the current folder's).
 */
import { parse } from "dotenv";
import { dirname, resolve } from "node:path";
import { log } from "./log.ts";

/** The `.env` files read for the config at `configPath`, in order of precedence. */
export function envFilesFor(configPath: string): string[] {
  return [...new Set([resolve(dirname(configPath), ".env"), resolve(".env")])];
}

/** Reads each existing file of `paths` and sets the variables not set yet; returns those read. */
export async function loadEnvFiles(paths: readonly string[]): Promise<string[]> {
  const read: string[] = [];
  for (const path of paths) {
    let text: string;
    try {
      text = await Deno.readTextFile(path);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) {
        log("warn", `${path} cannot be read (${(error as Error).message}); it is ignored.`);
      }
      continue;
    }
    let set = 0;
    for (const [name, value] of Object.entries(parse(text))) {
      if (Deno.env.get(name) !== undefined) continue;
      Deno.env.set(name, value);
      set++;
    }
    read.push(path);
    log("info", `Read ${path} (${set} variable${set === 1 ? "" : "s"} set).`);
  }
  return read;
}
