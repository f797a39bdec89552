/**
 * Files seen from the host: the checks on a run's input files (relative paths under `/data`,
 * their total size) and the files a run wrote under `/data/out` as the host returns them, with a
 * MIME type from the extension and text or base64 content. Nothing here touches the host's disk.
 */
import type { RunError } from "../contracts.ts";
import type { ChildFile } from "../relay/protocol.ts";

/** Longest input path accepted, in characters. */
export const MAX_PATH_CHARS = 255;

/** A file a run created or changed under `/data/out`, with its content unless truncated. */
export interface OutputFile {
  /** Relative to `/data/out`. */
  path: string;
  bytes: number;
  mime_type: string;
  /** Over `files.max_output_bytes`: listed, content not returned. */
  truncated?: true;
  /** The content of a text file. */
  text?: string;
  /** The content of a binary file, base64. */
  blob?: string;
}

const TYPES: Record<string, string> = {
  txt: "text/plain",
  md: "text/markdown",
  csv: "text/csv",
  tsv: "text/tab-separated-values",
  json: "application/json",
  html: "text/html",
  xml: "application/xml",
  svg: "image/svg+xml",
  yaml: "application/yaml",
  yml: "application/yaml",
  log: "text/plain",
  py: "text/x-python",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  pdf: "application/pdf",
  zip: "application/zip",
  gz: "application/gzip",
};
const TEXTUAL = /^text\/|^application\/(json|xml|yaml)$|\+xml$/;

/** The MIME type of a file by its extension (`application/octet-stream` when unknown). */
export function mimeType(path: string): string {
  const dot = path.lastIndexOf(".");
  const ext = dot > path.lastIndexOf("/") ? path.slice(dot + 1).toLowerCase() : "";
  return TYPES[ext] ?? "application/octet-stream";
}

/** Why an input file path is refused, or undefined when it is fine. */
export function pathProblem(path: string): string | undefined {
  if (path.length === 0) return "it is empty";
  if (path.length > MAX_PATH_CHARS) return `it is longer than ${MAX_PATH_CHARS} characters`;
  if (path.startsWith("/") || path.startsWith("\\") || /^[A-Za-z]:/.test(path)) {
    return "it is absolute";
  }
  if (path.split(/[\\/]/).includes("..")) return 'it contains ".."';
  if (path.includes("\0")) return "it contains a NUL character";
  if (path.endsWith("/")) return "it names a folder";
  return undefined;
}

/** Checks a run's input files: every path and the total size; an INVALID_INPUT error or none. */
export function checkInputFiles(
  files: Record<string, string> | undefined,
  maxBytes: number,
): RunError | undefined {
  if (!files) return undefined;
  let total = 0;
  const encoder = new TextEncoder();
  for (const [path, text] of Object.entries(files)) {
    const problem = pathProblem(path);
    if (problem) {
      return {
        code: "INVALID_INPUT",
        message: `The input file path ${JSON.stringify(path.slice(0, 300))} is refused: ` +
          `${problem}. Give a path relative to /data, without "..", of at most ` +
          `${MAX_PATH_CHARS} characters.`,
      };
    }
    total += encoder.encode(text).length;
  }
  if (total > maxBytes) {
    return {
      code: "INVALID_INPUT",
      message: `The input files total ${total} bytes, more than files.max_input_bytes ` +
        `(${maxBytes}); send less, or fetch the data with a tool from inside the program.`,
    };
  }
  return undefined;
}

/** The files a child reported, with types and decoded content (text when it is textual UTF-8). */
export function outputFiles(reported: ChildFile[] | undefined): OutputFile[] {
  return (reported ?? []).map((file) => {
    const mime_type = mimeType(file.path);
    if (file.base64 === undefined) {
      return { path: file.path, bytes: file.bytes, mime_type, truncated: true };
    }
    const bytes = decodeBase64(file.base64);
    if (!bytes) return { path: file.path, bytes: file.bytes, mime_type, truncated: true };
    const text = TEXTUAL.test(mime_type) ? utf8(bytes) : undefined;
    return text === undefined
      ? { path: file.path, bytes: bytes.length, mime_type, blob: file.base64 }
      : { path: file.path, bytes: bytes.length, mime_type, text };
  });
}

function decodeBase64(data: string): Uint8Array | undefined {
  try {
    return Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}

function utf8(bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}
