/**
 * The folder of saved skills: reads it (each `<name>.py` a skill; symbolic links, bad names and
 * oversized files are listed invalid), checks new or changed files in a sandbox child (verdicts are
 * kept per source, so a file is checked once), saves a skill atomically (a temporary file, then a
 * rename, or a hard link when an existing skill must not be replaced), watches the folder and tells
 * listeners when the listing changes. Nothing here throws at its callers.
 */
import { join } from "node:path";
import type { RunError, SkillSource } from "../contracts.ts";
import { log } from "../log.ts";
import type { PolicyConfig } from "../policy/policy_config.ts";
import { checkSize, policyError } from "../policy/size_check.ts";
import type { SkillChecker, SkillVerdict } from "./skill_checker.ts";
import { nameOfFile, nameProblem, skillFile } from "./skill_names.ts";

/** Largest skill file read, in bytes. */
export const MAX_SKILL_BYTES = 256 * 1024;
const BATCH = 8;

/** A skill as the listing shows it. */
export interface SkillInfo {
  name: string;
  status: "valid" | "invalid" | "unchecked";
  /** The first line of its docstring. */
  doc?: string;
  /** Its Python signature, e.g. `(path, *, limit=10)`. */
  signature?: string;
  /** Why it is invalid. */
  reason?: string;
}

/** What `save_skill` asks for. */
export interface SaveInput {
  name: string;
  code: string;
  description?: string;
  overwrite?: boolean;
}

/** The outcome of a save. */
export type SaveResult = { ok: true; skill: SkillInfo; file: string } | {
  ok: false;
  error: RunError;
};

interface FileRead {
  name: string;
  source?: string;
  problem?: string;
}

/** The skills folder. */
export class SkillStore {
  readonly dir: string;
  #policy: PolicyConfig;
  #check: SkillChecker;
  #verdicts = new Map<string, SkillVerdict>();
  /** The last source read of each file, by its modification stamp (a run re-reads only edits). */
  #sources = new Map<string, { stamp: string; source: string }>();
  #list: SkillInfo[] = [];
  #listeners = new Set<() => void>();
  #refreshing: Promise<void> | undefined;
  #again = false;
  #watcher: Deno.FsWatcher | undefined;
  #closed = false;

  constructor(options: { dir: string; policy: PolicyConfig; check: SkillChecker }) {
    this.dir = options.dir;
    this.#policy = options.policy;
    this.#check = options.check;
  }

  /** The skills as last read and checked, by name. */
  get list(): readonly SkillInfo[] {
    return this.#list;
  }

  /** Calls `listener` whenever the listing changes; returns the function that stops it. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Reads and checks the folder, then watches it (when it exists). */
  async start(): Promise<void> {
    await this.refresh();
    this.#watch();
  }

  /** Stops watching. */
  close(): void {
    this.#closed = true;
    try {
      this.#watcher?.close();
    } catch { /* already closed */ }
  }

  /**
   * The skills' sources for a run, read from the folder now (so a hand edit counts at once); a
   * skill found invalid carries the reason instead of being runnable. Starts a re-check when the
   * folder changed since the listing.
   */
  async forRun(): Promise<SkillSource[]> {
    const files = await this.#read();
    let stale = files.length !== this.#list.length;
    const sources = files.map((file, i): SkillSource => {
      const info = this.#info(file);
      if (info.status !== this.#list[i]?.status || info.name !== this.#list[i]?.name) stale = true;
      if (info.status === "invalid") return { name: file.name, code: "", invalid: info.reason };
      return { name: file.name, code: file.source ?? "" };
    });
    if (stale) void this.refresh();
    return sources;
  }

  /** Reads and checks the folder again; listeners hear of a changed listing. Never rejects. */
  refresh(): Promise<void> {
    if (this.#refreshing) {
      this.#again = true;
      return this.#refreshing;
    }
    this.#refreshing = (async () => {
      do {
        this.#again = false;
        await this.#refreshOnce().catch((error) => log("warn", `Skills: ${error}`));
      } while (this.#again && !this.#closed);
      this.#watch(); // a folder made by hand after the start is watched from its first use
      this.#refreshing = undefined;
    })();
    return this.#refreshing;
  }

  /** Checks and writes one skill; every refusal is an error with its code, nothing written. */
  async save(input: SaveInput): Promise<SaveResult> {
    const problem = nameProblem(input.name);
    if (problem) return refuse("INVALID_INPUT", problem);
    const file = skillFile(this.dir, input.name);
    if (!input.overwrite && await exists(file)) return refuse("ALREADY_EXISTS", taken(input.name));
    const tooBig = this.#sizeError(input.code);
    if (tooBig) return { ok: false, error: tooBig };
    const checked = await this.#check([input]);
    if (!checked.ok) return refuse(checked.code, checked.message);
    const verdict = checked.verdicts[0];
    if (!verdict.ok) return { ok: false, error: verdict.error };
    const code = verdict.code ?? input.code;
    const withDoc = this.#sizeError(code);
    if (withDoc) return { ok: false, error: withDoc };
    const written = await this.#write(input.name, code, input.overwrite === true);
    if (!written.ok) return written;
    this.#verdicts.set(key(input.name, code), { ...verdict, code: undefined });
    this.#watch();
    await this.refresh();
    return { ok: true, skill: this.#info({ name: input.name, source: code }), file };
  }

  async #write(name: string, code: string, overwrite: boolean): Promise<SaveResult | { ok: true }> {
    const file = skillFile(this.dir, name);
    const temp = join(this.dir, `.${name}.${crypto.randomUUID()}.tmp`);
    try {
      await Deno.mkdir(this.dir, { recursive: true });
      await Deno.writeTextFile(temp, code, { createNew: true });
      if (overwrite) await Deno.rename(temp, file);
      else await noClobber(temp, file);
      return { ok: true };
    } catch (error) {
      if (error instanceof Deno.errors.AlreadyExists) return refuse("ALREADY_EXISTS", taken(name));
      return refuse("INVALID_INPUT", `The skill could not be written to ${file}: ${error}`);
    } finally {
      await Deno.remove(temp).catch(() => {});
    }
  }

  #sizeError(code: string): RunError | undefined {
    if (!this.#policy.enabled) return undefined;
    const violations = checkSize(code, this.#policy);
    return violations.length ? policyError(violations) : undefined;
  }

  async #refreshOnce(): Promise<void> {
    const files = await this.#read();
    const unchecked = files.filter((f) =>
      f.source !== undefined && !this.#verdicts.has(key(f.name, f.source))
    );
    for (let i = 0; i < unchecked.length && !this.#closed; i += BATCH) {
      const batch = unchecked.slice(i, i + BATCH);
      const checked = await this.#check(batch.map((f) => ({ name: f.name, code: f.source! })));
      if (!checked.ok) {
        log("warn", `Skills in ${this.dir}: ${checked.message}`);
        continue;
      }
      batch.forEach((f, j) => this.#verdicts.set(key(f.name, f.source!), checked.verdicts[j]));
    }
    const list = files.map((f) => this.#info(f));
    if (JSON.stringify(list) === JSON.stringify(this.#list)) return;
    this.#list = list;
    for (const listener of this.#listeners) listener();
  }

  #info(file: FileRead): SkillInfo {
    if (file.problem || file.source === undefined) {
      return { name: file.name, status: "invalid", reason: file.problem ?? "unreadable" };
    }
    const size = this.#sizeError(file.source);
    if (size) return { name: file.name, status: "invalid", reason: size.message };
    const verdict = this.#verdicts.get(key(file.name, file.source));
    if (!verdict) return { name: file.name, status: "unchecked" };
    if (!verdict.ok) return { name: file.name, status: "invalid", reason: verdict.error.message };
    return { name: file.name, status: "valid", doc: verdict.doc, signature: verdict.signature };
  }

  /** Every `.py` file of the folder, by name; none when the folder does not exist. */
  async #read(): Promise<FileRead[]> {
    const files: FileRead[] = [];
    try {
      for await (const entry of Deno.readDir(this.dir)) {
        const name = nameOfFile(entry.name);
        if (name === undefined || entry.name.startsWith(".")) continue;
        files.push(await this.#readOne(name, entry));
      }
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) log("warn", `Skills: ${error}`);
    }
    return files.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  }

  async #readOne(name: string, entry: Deno.DirEntry): Promise<FileRead> {
    const problem = nameProblem(name);
    if (problem) return { name, problem };
    if (!entry.isFile) {
      return { name, problem: "it is not a regular file (links are not followed)" };
    }
    const path = skillFile(this.dir, name);
    try {
      const info = await Deno.lstat(path);
      if (info.size > MAX_SKILL_BYTES) {
        return { name, problem: `the file is larger than ${MAX_SKILL_BYTES} bytes` };
      }
      const stamp = `${info.mtime?.getTime()}:${info.size}:${info.ino}:${info.ctime?.getTime()}`;
      const known = this.#sources.get(name);
      if (known?.stamp === stamp) return { name, source: known.source };
      const source = await Deno.readTextFile(path);
      this.#sources.set(name, { stamp, source });
      return { name, source };
    } catch (error) {
      return { name, problem: `the file cannot be read (${error})` };
    }
  }

  #watch(): void {
    if (this.#watcher || this.#closed) return;
    try {
      this.#watcher = Deno.watchFs(this.dir, { recursive: false });
    } catch {
      return; // the folder does not exist yet: the first save creates it and watches it
    }
    const watcher = this.#watcher;
    (async () => {
      for await (const _ of watcher) void this.refresh();
    })().catch(() => {});
  }
}

function key(name: string, source: string): string {
  return `${name}\u0000${source}`;
}

function refuse(code: RunError["code"], message: string): { ok: false; error: RunError } {
  return { ok: false, error: { code, message } };
}

function taken(name: string): string {
  return `A skill named ${name} already exists; pass overwrite: true to replace it, or choose ` +
    "another name.";
}

/**
 * Moves `temp` to `file` unless `file` exists: a hard link fails if the name was taken meanwhile,
 * so it never replaces a skill; where links are not supported, a rename after one more look.
 */
async function noClobber(temp: string, file: string): Promise<void> {
  try {
    await Deno.link(temp, file);
  } catch (error) {
    if (error instanceof Deno.errors.AlreadyExists) throw error;
    if (await exists(file)) throw new Deno.errors.AlreadyExists(file);
    await Deno.rename(temp, file);
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}
