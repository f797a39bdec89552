/**
 * The configuration file: every kind of mistake names the file, the JSON path and the fix;
 * `${VAR}` expansion and Claude Desktop's `mcpServers` alias.
 */
import assert from "node:assert/strict";
import { parseConfig } from "../src/config.ts";

const env = (vars: Record<string, string>) => (name: string) => vars[name];

function fails(text: string, pattern: RegExp, vars: Record<string, string> = {}) {
  const r = parseConfig(text, { path: "conf.json", env: env(vars) });
  assert.equal(r.ok, false, "expected the config to be refused");
  if (!r.ok) {
    assert.match(r.message, /conf\.json/);
    assert.match(r.message, pattern);
  }
}

Deno.test("config: invalid JSON", () => fails('{"servers": {', /not valid JSON.*fix the syntax/));
Deno.test("config: unknown top-level key", () =>
  fails('{"server": {}}', /at \(top level\): unknown key\(s\) "server"; remove or rename/));
Deno.test("config: unknown server key", () =>
  fails(
    '{"servers": {"a": {"command": "x", "argz": []}}}',
    /at servers\.a: unknown key\(s\) "argz"/,
  ));
Deno.test("config: a server with neither command nor url", () =>
  fails(
    '{"servers": {"a": {"description": "?"}}}',
    /at servers\.a: a server needs either "command".*or "url"/,
  ));
Deno.test("config: a url that is not a URL", () =>
  fails('{"servers": {"a": {"url": "not a url"}}}', /at servers\.a\.url: Invalid URL/));
Deno.test("config: a wrong type", () =>
  fails(
    '{"servers": {"a": {"command": "x", "args": "--flag"}}}',
    /at servers\.a\.args: .*expected array/,
  ));
Deno.test("config: a wrong sandbox value", () =>
  fails('{"sandbox": {"pool_size": -1}}', /at sandbox\.pool_size: .*>=\s*0/));
Deno.test("config: a missing environment variable names it and the fix", () =>
  fails(
    '{"servers": {"a": {"command": "x", "env": {"TOKEN": "${API_TOKEN}"}}}}',
    /at servers\.a\.env\.TOKEN: environment variable API_TOKEN is not set; set it \(or in \.env\), or write \$\{API_TOKEN:-default\}/,
  ));
Deno.test("config: both servers and mcpServers", () =>
  fails('{"servers": {}, "mcpServers": {}}', /both "servers" and "mcpServers"; keep one/));
Deno.test("config: a tool filter that is not a list", () =>
  fails(
    '{"servers": {"a": {"command": "x", "tools": {"deny": "write_file"}}}}',
    /at servers\.a\.tools\.deny: .*expected array/,
  ));

Deno.test("config: ${VAR} and ${VAR:-default} expand; mcpServers is accepted", () => {
  const r = parseConfig(
    JSON.stringify({
      mcpServers: {
        fs: { command: "${CMD}", args: ["--root", "${ROOT:-/data}"], env: { KEY: "k-${KEY}" } },
        web: {
          url: "https://${HOST:-example.com}/mcp",
          headers: { Authorization: "Bearer ${TOKEN}" },
        },
      },
    }),
    { env: env({ CMD: "deno", KEY: "123", TOKEN: "t" }) },
  );
  assert.ok(r.ok, !r.ok ? r.message : "");
  if (!r.ok) return;
  const fs = r.config.servers.fs as {
    command: string;
    args: string[];
    env: Record<string, string>;
    enabled: boolean;
  };
  assert.equal(fs.command, "deno");
  assert.deepEqual(fs.args, ["--root", "/data"]);
  assert.deepEqual(fs.env, { KEY: "k-123" });
  assert.equal(fs.enabled, true);
  const web = r.config.servers.web as { url: string; headers: Record<string, string> };
  assert.equal(web.url, "https://example.com/mcp");
  assert.equal(web.headers.Authorization, "Bearer t");
  assert.equal(r.config.sandbox.pool_size, 2);
});

Deno.test("config: the committed mcp_servers.json is valid", () => {
  const text = Deno.readTextFileSync(new URL("../mcp_servers.json", import.meta.url));
  const r = parseConfig(text, { env: env({}) });
  assert.ok(r.ok, !r.ok ? r.message : "");
  if (r.ok) assert.deepEqual(Object.keys(r.config.servers).sort(), ["filesystem", "memory"]);
});

Deno.test("config: a bad agent setting names its path", () => {
  fails('{"agent": {"max_iterations": 0}}', /at agent\.max_iterations: .*>=\s*1/);
  fails('{"agent": {"base_url": "not a url"}}', /at agent\.base_url/);
  fails('{"agent": {"modle": "x"}}', /at agent: unknown key\(s\) "modle"/);
});

Deno.test("config: a bad http setting names its path", () => {
  fails('{"http": {"port": "eighty"}}', /at http\.port: .*number/);
});
