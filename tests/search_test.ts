/**
 * Tool search (`search_tools` and the code agent's tool choice), as a pure function over catalog
 * entries shaped like server-filesystem's real tools: ranking by name and description, the server
 * filter, and deprecated tools last.
 */
import assert from "node:assert/strict";
import type { CatalogEntry } from "../src/broker/broker.ts";
import { searchTools, words } from "../src/broker/search.ts";

const upstream = { config: { description: "Files in the workspace folder" } };

function entry(name: string, description: string, title?: string): CatalogEntry {
  return {
    ref: { server: "filesystem", tool: name, py_server: "filesystem", py_name: name, doc: "" },
    tool: { name, description, ...(title ? { title } : {}), inputSchema: { type: "object" } },
    stub: { text: "" },
    upstream,
  } as unknown as CatalogEntry;
}

const FILESYSTEM = [
  entry(
    "read_file",
    "Read the complete contents of a file as text. DEPRECATED: Use read_text_file instead.",
    "Read File (Deprecated)",
  ),
  entry(
    "read_text_file",
    "Read the complete contents of a file from the file system as text. Handles various text " +
      "encodings and provides detailed error messages if the file cannot be read.",
  ),
  entry("read_media_file", "Read an image or audio file. Returns the base64 encoded data."),
  entry("read_multiple_files", "Read the contents of multiple files simultaneously."),
  entry("write_file", "Create a new file or completely overwrite an existing file."),
  entry("list_directory", "Get a detailed listing of all files and directories in a path."),
];

const names = (found: CatalogEntry[]) => found.map((e) => e.ref.py_name);

Deno.test("search: a deprecated tool ranks after every other match, even on its exact name", () => {
  for (const query of ["read file", "read_file", "read the contents of a file", "file"]) {
    const found = names(searchTools(FILESYSTEM, query));
    assert.ok(found.includes("read_file"), `${query}: ${found}`);
    assert.equal(found.at(-1), "read_file", `${query}: ${found}`);
  }
  assert.equal(names(searchTools(FILESYSTEM, "read file"))[0], "read_text_file");
});

Deno.test("search: a deprecation in the title alone counts too", () => {
  const old = entry("get_text", "Gets the text of a file.", "Get text (deprecated)");
  const found = names(searchTools([old, ...FILESYSTEM.slice(1)], "get text of a file"));
  assert.equal(found.at(-1), "get_text");
});

Deno.test("search: names weigh most, the server filter applies, an empty query lists by name", () => {
  assert.equal(names(searchTools(FILESYSTEM, "list directory"))[0], "list_directory");
  assert.equal(names(searchTools(FILESYSTEM, "write"))[0], "write_file");
  assert.deepEqual(names(searchTools(FILESYSTEM, "file", { server: "memory" })), []);
  assert.deepEqual(names(searchTools(FILESYSTEM, "", { limit: 2 })), [
    "list_directory",
    "read_media_file", // read_file is deprecated: listed last
  ]);
  assert.equal(names(searchTools(FILESYSTEM, "")).at(-1), "read_file");
  assert.deepEqual(names(searchTools(FILESYSTEM, "zebra")), []);
});

Deno.test("search: words split snake, kebab and camel case and drop stop words", () => {
  assert.deepEqual(words("readTextFile of the read-media_file"), [
    "read",
    "text",
    "file",
    "read",
    "media",
    "file",
  ]);
});
