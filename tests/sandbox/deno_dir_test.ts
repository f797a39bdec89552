/**
 * The children's Deno data folder (`src/sandbox_host/deno_dir.ts`): every place Deno would write
 * is taken by an entry of the wrong kind, npm packages come through a link to the host's cache, and
 * a folder removed or damaged while the host runs is made again before the next child starts.
 */
import assert from "node:assert/strict";
import { hostDenoDir, sandboxDenoDir } from "../../src/sandbox_host/deno_dir.ts";

function kinds(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of Deno.readDirSync(dir)) {
    out[entry.name] = entry.isSymlink ? "link" : entry.isDirectory ? "directory" : "file";
  }
  return out;
}

Deno.test("the children's Deno folder: blocked places, the npm link, repaired when removed", () => {
  const cache = Deno.makeTempDirSync({ prefix: "mcp-deno-dir-" });
  try {
    const dir = sandboxDenoDir(cache);
    assert.equal(dir, `${cache}/sandbox-deno`);
    const made = kinds(dir);
    for (const name of ["location_data", "gen", "remote", "registries", "node_compat_bin"]) {
      assert.equal(made[name], "file", name);
    }
    for (const name of ["dep_analysis_cache_v2", "node_analysis_cache_v2", "v8_code_cache_v2"]) {
      assert.equal(made[name], "directory", name);
    }
    assert.equal(made.npm, "link");
    assert.equal(Deno.readLinkSync(`${dir}/npm`), `${hostDenoDir()}/npm`);
    assert.ok(Deno.statSync(`${dir}/npm`).isDirectory, "the link leads to the npm cache");

    assert.equal(sandboxDenoDir(cache), dir, "a second call changes nothing");
    assert.deepEqual(kinds(dir), made);

    Deno.removeSync(`${dir}/location_data`);
    Deno.mkdirSync(`${dir}/location_data`); // as Deno would make it, were it writable
    sandboxDenoDir(cache);
    assert.deepEqual(kinds(dir), made, "the folder was made again");
  } finally {
    Deno.removeSync(cache, { recursive: true });
  }
});

Deno.test("a cache folder that cannot hold it is a clear error", () => {
  const file = Deno.makeTempFileSync({ prefix: "mcp-deno-dir-" });
  try {
    assert.throws(
      () => sandboxDenoDir(file),
      (error: Error) => {
        assert.match(error.message, /^The sandbox's Deno folder .*sandbox-deno cannot be prepared/);
        assert.match(error.message, /check that the cache folder is writable/);
        return true;
      },
    );
  } finally {
    Deno.removeSync(file);
  }
});
