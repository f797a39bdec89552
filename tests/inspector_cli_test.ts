/**
 * The MCP Inspector's CLI (`@modelcontextprotocol/inspector --cli`, a third-party client, run with
 * npx exactly as the README shows) against the server over stdio and over HTTP with a bearer
 * token, checking the JSON it prints. Ignored when npx is missing.
 */
import assert from "node:assert/strict";
import { root, writeConfig } from "../support/server.ts";
import { startHttpServer } from "../support/http.ts";

const INSPECTOR = "@modelcontextprotocol/inspector@2.12.0";
const opts = { sanitizeOps: false, sanitizeResources: false };

/** A folder of its own to run the Inspector in (it needs no project files). */
function inspectorCwd(): string {
  const dir = `${root}.cache/tests/inspector`;
  Deno.mkdirSync(dir, { recursive: true });
  return dir;
}

async function inspector(args: string[]): Promise<{ code: number; json: unknown; err: string }> {
  const out = await new Deno.Command("npx", {
    args: ["-y", INSPECTOR, "--cli", ...args],
    cwd: inspectorCwd(),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  const err = new TextDecoder().decode(out.stderr);
  let json: unknown = undefined;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`The Inspector did not print JSON (exit ${out.code}):\n${text}\n${err}`);
  }
  return { code: out.code, json, err };
}

function hasNpx(): boolean {
  try {
    return new Deno.Command("npx", { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

Deno.test({
  name: "Inspector CLI drives the server over stdio and HTTP (ignored when npx is missing)",
  ignore: !hasNpx(),
  ...opts,
}, async (t) => {
  const config = writeConfig({ sandbox: { pool_size: 0 } });
  // The Inspector has a --config option of its own: pass ours through the environment.
  const stdio = ["-e", `MCP_CODE_MODE_CONFIG=${config}`, "deno", "task", "--cwd", root, "start"];
  try {
    await t.step("tools/list over stdio", async () => {
      const { code, json } = await inspector([...stdio, "--method", "tools/list"]);
      assert.equal(code, 0);
      const names = (json as { tools: { name: string }[] }).tools.map((tool) => tool.name);
      assert.ok(names.includes("execute_code") && names.includes("search_tools"), String(names));
    });
    await t.step("tools/call execute_code over stdio", async () => {
      const { code, json } = await inspector([
        ...stdio,
        "--method",
        "tools/call",
        "--tool-name",
        "execute_code",
        "--tool-arg",
        "code=print(sum(range(10)))",
      ]);
      assert.equal(code, 0);
      const result = json as { isError: boolean; structuredContent: { stdout: string } };
      assert.equal(result.isError, false);
      assert.equal(result.structuredContent.stdout, "45\n");
    });
    await t.step("tools/list over HTTP with a bearer token", async () => {
      const token = "inspector-token-0123456789";
      const server = await startHttpServer({ env: { MCP_CODE_MODE_TOKEN: token } });
      try {
        const { code, json } = await inspector([
          server.url,
          "--transport",
          "http",
          "--header",
          `Authorization: Bearer ${token}`,
          "--method",
          "tools/list",
        ]);
        assert.equal(code, 0);
        const names = (json as { tools: { name: string }[] }).tools.map((tool) => tool.name);
        assert.ok(names.includes("execute_code"), String(names));
      } finally {
        await server.stop();
      }
    });
  } finally {
    await Deno.remove(`${root}${config}`).catch(() => {});
  }
});
