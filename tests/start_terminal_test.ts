/**
 * `deno task start` at a pseudo-terminal: the server says once, on stderr, that it speaks MCP on
 * stdin/stdout and waits for a client, and how to try it by hand; with stdin a pipe (a client
 * started it) it says nothing of the kind.
 */
import assert from "node:assert/strict";
import { startPty } from "../support/pty.ts";
import { root, startServer, writeConfig } from "../support/server.ts";

const NOTICE = /stdin is a terminal: .*MCP.*waits for an MCP client/;

Deno.test({
  name: "deno task start at a terminal says it waits for an MCP client and how to connect one",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const config = `${root}${writeConfig({ sandbox: { pool_size: 1 } })}`;
    const run = startPty([Deno.execPath(), "task", "start", "--config", config], {
      cwd: root,
      env: { NO_COLOR: "1" },
    });
    try {
      const out = await run.waitFor(/Serving MCP over stdio[^\n]*\n[^\n]*\n/, "the serving lines", {
        ms: 30_000,
      });
      assert.match(out, NOTICE);
      assert.match(out, /deno task debug --code examples\/report\.py/);
      assert.match(out, /Inspector/);
      assert.equal(out.match(new RegExp(NOTICE.source, "g"))?.length, 1, "said once");
      await run.type("\x03");
      await run.waitFor(/Shutting down \(SIGINT\)/, "the shutdown on Ctrl-C");
      await run.exited;
    } finally {
      await run.close();
      await Deno.remove(config).catch(() => {});
    }
  },
});

Deno.test({
  name: "deno task start with stdin a pipe (a client started it) has no terminal notice",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const server = await startServer({ config: { sandbox: { pool_size: 1 } } });
    try {
      await server.client.ping();
      assert.match(server.stderr(), /Serving MCP over stdio/);
      assert.doesNotMatch(server.stderr(), NOTICE);
    } finally {
      await server.close();
    }
  },
});
