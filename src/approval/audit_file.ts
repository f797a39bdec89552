/**
 * The audit log's file: appends whole lines and holds the file to `maxBytes` — a line that would
 * take it past that first turns the file into `<name>.1` (replacing the one before) and begins a
 * new file whose first line says so (`"summary": "rotated"`, with the sizes of the file moved
 * and of the one it replaced). Writers of one file, in this process or another, take turns
 * through an exclusive lock on `<name>.lock`: a rotation never races a write and no line is split
 * between files. The folder is created when missing. A path that is not a regular file (a pipe,
 * `/dev/stderr`) is appended to as it is, never rotated.
 */
import { basename, dirname } from "node:path";

/** The first line of a file begun by a rotation. */
export interface RotationLine {
  time: string;
  summary: "rotated";
  /** The file the full one became (its name, in the same folder). */
  previous: string;
  /** Its size. */
  previous_bytes: number;
  /** The size of the older `<name>.1` it replaced (0 when there was none): what was let go. */
  replaced_bytes: number;
  /** `approval.audit_max_bytes`. */
  max_bytes: number;
}

/** A write that failed after `written` of its lines were appended. */
export class AuditWriteError extends Error {
  constructor(readonly written: number, cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
  }
}

const encoder = new TextEncoder();

/**
 * How many of the next lines (their sizes in bytes) go into a file of `size` bytes held to `max`;
 * a file of no more than `floor` bytes (empty, or only a rotation line) takes one line whatever
 * its size, so that a line is never refused by every file.
 */
export function fitting(
  size: number,
  floor: number,
  sizes: readonly number[],
  max: number,
): number {
  let n = 0;
  let total = size;
  for (const bytes of sizes) {
    if (total + bytes > max && total > floor) break;
    total += bytes;
    n++;
  }
  return n;
}

/** One audit log file, its size bound and its rotation. */
export class AuditFile {
  #path: string;
  #maxBytes: number;
  #now: () => Date;

  constructor(path: string, maxBytes: number, now: () => Date = () => new Date()) {
    this.#path = path;
    this.#maxBytes = maxBytes;
    this.#now = now;
  }

  /** Appends `lines` (each ending in a newline), rotating as needed; throws {@link AuditWriteError}. */
  async append(lines: readonly string[]): Promise<void> {
    const encoded = lines.map((line) => encoder.encode(line));
    let written = 0;
    try {
      const info = await statOrNull(this.#path);
      if (info && !info.isFile) { // a pipe or a device: no size to hold, nothing to rotate
        await this.#write(encoded);
        return;
      }
      await this.#locked(async () => {
        let size = (await statOrNull(this.#path))?.size ?? 0;
        let floor = 0;
        while (written < encoded.length) {
          const rest = encoded.slice(written);
          const chunk = rest.slice(
            0,
            fitting(size, floor, rest.map((b) => b.length), this.#maxBytes),
          );
          if (chunk.length) {
            await this.#write(chunk);
            written += chunk.length;
            size += chunk.reduce((sum, bytes) => sum + bytes.length, 0);
          }
          if (written < encoded.length) size = floor = await this.#rotate(size);
        }
      });
    } catch (error) {
      throw new AuditWriteError(written, error);
    }
  }

  /** One append of `chunks`, in one write. */
  async #write(chunks: Uint8Array[]): Promise<void> {
    const bytes = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
    let at = 0;
    for (const chunk of chunks) {
      bytes.set(chunk, at);
      at += chunk.length;
    }
    await Deno.writeFile(this.#path, bytes, { append: true, create: true });
  }

  /** Moves the full file to `<name>.1` and begins the new one; returns its size. */
  async #rotate(size: number): Promise<number> {
    const previous = `${this.#path}.1`;
    const replaced = (await statOrNull(previous))?.size ?? 0;
    await Deno.rename(this.#path, previous);
    const line: RotationLine = {
      time: this.#now().toISOString(),
      summary: "rotated",
      previous: basename(previous),
      previous_bytes: size,
      replaced_bytes: replaced,
      max_bytes: this.#maxBytes,
    };
    const bytes = encoder.encode(JSON.stringify(line) + "\n");
    await Deno.writeFile(this.#path, bytes, { create: true });
    return bytes.length;
  }

  /** Runs `fn` holding `<name>.lock` (made, with the folder, when missing). */
  async #locked(fn: () => Promise<void>): Promise<void> {
    const path = `${this.#path}.lock`;
    let lock: Deno.FsFile;
    try {
      lock = await Deno.open(path, { write: true, create: true });
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
      await Deno.mkdir(dirname(this.#path), { recursive: true });
      lock = await Deno.open(path, { write: true, create: true });
    }
    try {
      await lock.lock(true);
      await fn();
    } finally {
      lock.close(); // closing releases the lock
    }
  }
}

async function statOrNull(path: string): Promise<Deno.FileInfo | null> {
  try {
    return await Deno.stat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
}
