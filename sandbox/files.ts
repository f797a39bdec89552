/**
 * The run's files inside the child, all in Pyodide's in-memory filesystem (never the host's disk):
 * input files written under `/data` before a program runs (its working directory), and the files
 * it created or changed under `/data/out` listed after it, with their bytes in base64 while the
 * run's output budget lasts.
 *
 * Changes are found without keeping copies: before each run every file under `/data/out` gets the
 * modification time 0, so afterwards any file with another time was written by the run.
 */
import type { ChildFile } from "../src/relay/protocol.ts";

/** The part of Emscripten's FS this module uses. */
export interface MemFs {
  mkdirTree(path: string): void;
  writeFile(path: string, data: string | Uint8Array): void;
  readFile(path: string): Uint8Array;
  readdir(path: string): string[];
  stat(path: string): { mode: number; size: number; mtime: Date | number };
  lstat(path: string): { mode: number };
  isDir(mode: number): boolean;
  isFile(mode: number): boolean;
  utime(path: string, atime: number, mtime: number): void;
  chdir(path: string): void;
}

/** The working directory of every run. */
export const DATA_DIR = "/data";
const OUT_DIR = "/data/out";

// Captured before any user code runs.
const fromCharCode = String.fromCharCode;
const toBase64 = globalThis.btoa;

/** Creates `/data/out`, makes `/data` the cwd, writes the input files, marks the outputs. */
export function prepareFiles(fs: MemFs, files: Record<string, string> | undefined): void {
  fs.mkdirTree(OUT_DIR);
  fs.chdir(DATA_DIR);
  for (const [path, text] of Object.entries(files ?? {})) {
    const full = `${DATA_DIR}/${path}`;
    const parent = full.slice(0, full.lastIndexOf("/"));
    if (parent) fs.mkdirTree(parent);
    fs.writeFile(full, text);
  }
  for (const path of walk(fs, OUT_DIR)) fs.utime(path, 0, 0);
}

/** The files under `/data/out` written since {@link prepareFiles}; content within `budget` bytes. */
export function collectOutputs(fs: MemFs, budget: number): ChildFile[] {
  const found: ChildFile[] = [];
  let left = budget;
  for (const path of walk(fs, OUT_DIR)) {
    const stat = fs.stat(path);
    if (Number(stat.mtime) === 0) continue;
    const relative = path.slice(OUT_DIR.length + 1);
    if (stat.size > left) {
      found.push({ path: relative, bytes: stat.size, truncated: true });
      continue;
    }
    left -= stat.size;
    found.push({ path: relative, bytes: stat.size, base64: base64(fs.readFile(path)) });
  }
  return found;
}

/** Every regular file below `dir` (depth-first, sorted; links are not followed). */
function walk(fs: MemFs, dir: string): string[] {
  const out: string[] = [];
  let names: string[];
  try {
    names = fs.readdir(dir);
  } catch {
    return out; // the program removed it
  }
  for (const name of names.sort()) {
    if (name === "." || name === "..") continue;
    const path = `${dir}/${name}`;
    const { mode } = fs.lstat(path);
    if (fs.isDir(mode)) out.push(...walk(fs, path));
    else if (fs.isFile(mode)) out.push(path);
  }
  return out;
}

function base64(bytes: Uint8Array): string {
  let binary = "";
  for (let at = 0; at < bytes.length; at += 0x8000) {
    binary += fromCharCode(...bytes.subarray(at, at + 0x8000));
  }
  return toBase64(binary);
}
