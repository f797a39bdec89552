/**
 * The configuration file: every kind of mistake names the file, the JSON path and the fix;
 * unknown keys with a "did you mean"; `${VAR}` expansion (with `${CONFIG_DIR}`, `${WORKSPACE}` and
 * nested defaults), relative paths against the file's folder, and Claude Desktop's `mcpServers`.
 */
import assert from "node:assert/strict";
import { resolve } from "node:path";
import { parseConfig } from "../src/config.ts";
import { editDistance, nearest } from "../src/config_keys.ts";

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
  fails(
    '{"server": {}}',
    /at \(top level\): unknown key\(s\) "server" \(did you mean "servers"\?\); remove or rename/,
  ));
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

Deno.test("config: a misspelt server key is named with the key it resembles", () => {
  fails(
    '{"servers": {"a": {"comand": "deno"}}}',
    /at servers\.a: unknown key\(s\) "comand" \(did you mean "command"\?\); a server needs either "command"/,
  );
  fails(
    '{"servers": {"a": {"url": "https://x.test/mcp", "header": {}}}}',
    /at servers\.a: unknown key\(s\) "header" \(did you mean "headers"\?\)/,
  );
  fails(
    '{"servers": {"a": {"command": "x", "zzz": 1}}}',
    /at servers\.a: unknown key\(s\) "zzz"; remove or rename them/,
  );
});

Deno.test("config: unknown keys anywhere get a did-you-mean", () => {
  fails(
    '{"sandbox": {"pool_sise": 3}}',
    /at sandbox: unknown key\(s\) "pool_sise" \(did you mean "pool_size"\?\)/,
  );
  fails(
    '{"agent": {"modle": "x"}}',
    /at agent: unknown key\(s\) "modle" \(did you mean "model"\?\)/,
  );
  fails('{"http": {"hots": "x"}}', /at http: unknown key\(s\) "hots" \(did you mean "host"\?\)/);
  fails(
    '{"servers": {"a": {"command": "x", "tools": {"alow": []}}}}',
    /at servers\.a\.tools: unknown key\(s\) "alow" \(did you mean "allow"\?\)/,
  );
  fails('{"workspce": "w"}', /unknown key\(s\) "workspce" \(did you mean "workspace"\?\)/);
});

Deno.test("config: edit distance and the nearest key", () => {
  assert.equal(editDistance("comand", "command"), 1);
  assert.equal(editDistance("kitten", "sitting"), 3);
  assert.equal(editDistance("", "abc"), 3);
  assert.equal(editDistance("modle", "model"), 1); // a swap of neighbours
  assert.equal(nearest("comand", ["command", "url"]), "command");
  assert.equal(nearest("URL", ["command", "url"]), "url");
  assert.equal(nearest("zzz", ["command", "url"]), undefined);
  // 3 apart (too far for 7 letters), but a prefix: the shortest key it starts or ends is named.
  assert.equal(nearest("timeout", ["max_timeout_ms", "timeout_ms"]), "timeout_ms");
  assert.equal(nearest("pool", ["pool_size"]), "pool_size");
  assert.equal(nearest("size", ["pool_size"]), "pool_size"); // contained
  assert.equal(nearest("memory_mb_limit", ["memory_mb", "rss_limit_mb"]), "memory_mb");
  assert.equal(nearest("ms", ["timeout_ms"]), undefined, "too short to be a part");
});

Deno.test("config: sandbox.timeout is named with timeout_ms", () => {
  fails(
    '{"sandbox": {"timeout": 5000}}',
    /at sandbox: unknown key\(s\) "timeout" \(did you mean "timeout_ms"\?\)/,
  );
});

Deno.test("config: ${CONFIG_DIR}, ${WORKSPACE} and nested defaults; paths from the file's folder", () => {
  const text = JSON.stringify({
    workspace: "${MY_WORKSPACE:-${CONFIG_DIR}/ws}",
    servers: {
      fs: {
        command: "deno",
        args: ["--allow-read=${WORKSPACE}", "${CONFIG_DIR}/x", "${UNSET:-${ALSO_UNSET:-deep}}"],
        env: { FILE: "${WORKSPACE}/memory.jsonl" },
        cwd: "sub",
      },
    },
    sandbox: { cache_dir: "cache" },
  });
  const r = parseConfig(text, { path: "/etc/mcm/conf.json", env: env({ CONFIG_DIR: "/env" }) });
  assert.ok(r.ok, !r.ok ? r.message : "");
  if (!r.ok) return;
  const fs = r.config.servers.fs as { args: string[]; env: Record<string, string>; cwd: string };
  assert.equal(r.config.workspace, "/etc/mcm/ws");
  assert.deepEqual(fs.args, ["--allow-read=/etc/mcm/ws", "/etc/mcm/x", "deep"]);
  assert.deepEqual(fs.env, { FILE: "/etc/mcm/ws/memory.jsonl" });
  assert.equal(fs.cwd, "/etc/mcm/sub");
  assert.equal(r.config.sandbox.cache_dir, "/etc/mcm/cache");

  const set = parseConfig(text, { path: "/etc/mcm/conf.json", env: env({ MY_WORKSPACE: "rel" }) });
  assert.ok(set.ok);
  if (set.ok) assert.equal(set.config.workspace, "/etc/mcm/rel");
  const relative = parseConfig('{"workspace": "w"}', { path: "conf/c.json", env: env({}) });
  assert.ok(relative.ok);
  if (relative.ok) assert.equal(relative.config.workspace, resolve("conf/w"));
});

Deno.test("config: ${WORKSPACE} without a workspace setting says what to add", () =>
  fails(
    '{"servers": {"a": {"command": "x", "args": ["${WORKSPACE}"]}}}',
    /at servers\.a\.args\.0: \$\{WORKSPACE\} is the "workspace" setting, which is not set; add it/,
    { WORKSPACE: "/from/the/environment" },
  ));

Deno.test("config: a ${ that starts no complete reference is kept as written", () => {
  const r = parseConfig(
    JSON.stringify({ servers: { a: { command: "x", args: ["${", "${1}", "${A:-b", "$A"] } } }),
    { env: env({ A: "a" }) },
  );
  assert.ok(r.ok, !r.ok ? r.message : "");
  if (r.ok) {
    assert.deepEqual((r.config.servers.a as { args: string[] }).args, [
      "${",
      "${1}",
      "${A:-b",
      "$A",
    ]);
  }
});
Deno.test("config: worker isolation without the snapshot names the setting", () =>
  fails(
    '{"sandbox": {"isolation": "worker", "use_snapshot": false}}',
    /at sandbox\.isolation: isolation "worker" needs use_snapshot/,
  ));
Deno.test("config: an unknown isolation names the choices", () =>
  fails('{"sandbox": {"isolation": "thread"}}', /at sandbox\.isolation: .*"process".*"worker"/));

Deno.test("config: the keys added for approvals, the audit log, sessions and eras refuse bad values", () => {
  const cases: Array<[string, RegExp]> = [
    ['{"approval": {"audit_max_bytes": 1000}}', /at approval\.audit_max_bytes: /],
    ['{"approval": {"question_max_chars": 10}}', /at approval\.question_max_chars: /],
    ['{"approval": {"long_arguments": "trim"}}', /at approval\.long_arguments: /],
    [
      '{"approval": {"max_questions_per_execution": 0}}',
      /at approval\.max_questions_per_execution: /,
    ],
    ['{"sessions": {"max_per_client": 300}}', /at sessions\.max_per_client: /],
    ['{"servers": {"a": {"command": "x", "protocol": "2025"}}}', /at servers\.a\.protocol: /],
  ];
  for (const [text, pattern] of cases) fails(text, pattern);
});
