/**
 * A second HTTP server on a port that is taken says so before it starts anything: no upstream is
 * started (none is connected, none logs), and it exits with 1 naming the port.
 */
import assert from "node:assert/strict";
import { taskFlags } from "../scripts/task_flags.ts";
import { startHttpServer } from "../support/http.ts";
import { root, writeConfig } from "../support/server.ts";
import { testUpstream } from "../support/test_upstream.ts";

Deno.test("http: a busy port is reported before any upstream starts", async () => {
  const first = await startHttpServer();
  const configPath = writeConfig({ servers: { t: testUpstream() }, sandbox: { pool_size: 0 } });
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        ...taskFlags("start:http"),
        "main.ts",
        "--transport",
        "http",
        "--port",
        String(first.port),
        "--config",
        configPath,
      ],
      cwd: root,
      env: { MCP_CODE_MODE_LOG: "debug" },
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 1, stderr);
    assert.match(stderr, new RegExp(`Port ${first.port} on 127\\.0\\.0\\.1 is already in use`));
    assert.doesNotMatch(stderr, /Connected to|Upstream|\[t\]/, "no upstream was started");
  } finally {
    await first.stop();
    await Deno.remove(`${root}${configPath}`).catch(() => {});
  }
});
