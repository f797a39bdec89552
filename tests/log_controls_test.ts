/**
 * The host's own log cannot drive the operator's terminal: a real upstream that writes OSC 0
 * (window title), OSC 52 (clipboard), `ESC[2J` (clear screen), a bell and a bidirectional
 * override to its stderr and dies at start is logged (its stderr lines at debug, the reason it is
 * unavailable at error) with every control character escaped and a message's line breaks indented; a
 * message longer than a log line may be is cut and says how much was left out.
 */
import assert from "node:assert/strict";
import { root, startServer } from "../support/server.ts";
import { testUpstream } from "../support/test_upstream.ts";
import { waitFor } from "../support/wait.ts";

const HOSTILE = "\x1b]0;pwned\x07\x1b]52;c;cm0gLXJmIH4=\x07\x1b[2J\x1b[H\u202ethe end\rover";

// deno-lint-ignore no-control-regex
const RAW_CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202e]/;

Deno.test({
  name: "an upstream's control sequences reach the host's log escaped",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startServer({
      config: {
        servers: { evil: testUpstream({}, ["--fail-at-start", HOSTILE]) },
        sandbox: { pool_size: 1 },
      },
      env: { MCP_CODE_MODE_LOG: "debug" },
    });
    try {
      await waitFor(() => /evil" is unavailable/.test(server.stderr()), "the upstream's failure");
      const stderr = server.stderr();
      assert.doesNotMatch(stderr, RAW_CONTROL, JSON.stringify(stderr));
      assert.match(stderr, /\\x1b\]0;pwned\\x07/, "shown escaped, not dropped");
      assert.match(stderr, /\\u202ethe end\\rover/);
    } finally {
      await server.close();
    }
  },
});

Deno.test("log: a message's line breaks continue it indented, bounded, controls escaped", async () => {
  const program = `import { log } from "${root}src/log.ts";\n` +
    `log("info", "two\\nlines\\x1b[2J\\x07"); log("info", "x".repeat(100000));`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--no-prompt", "--allow-env", "--allow-read", program],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  const lines = stderr.split("\n").filter(Boolean);
  assert.equal(lines.length, 3, stderr.slice(0, 500));
  assert.equal(lines[0], "[mcp-code-mode] info: two");
  assert.equal(lines[1], "  lines\\x1b[2J\\x07");
  assert.ok(lines[2].length < 10_000, `a line of ${lines[2].length} characters`);
  assert.match(lines[2], /… \(\d+ more characters\)$/);
});
