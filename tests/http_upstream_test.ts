/**
 * HTTP upstreams: server-everything over Streamable HTTP, and over SSE reached through the
 * automatic fallback; without a network permission the upstream is unavailable with the fix named.
 */
import assert from "node:assert/strict";
import { execute, startServer } from "../support/server.ts";
import { PACKAGES } from "../support/upstreams.ts";

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  return port;
}

/** Starts server-everything in an HTTP mode and waits until it listens. */
async function everything(
  mode: "streamableHttp" | "sse",
): Promise<{ port: number; stop: () => Promise<void> }> {
  const port = freePort();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", "-A", PACKAGES.everything, mode],
    env: { PORT: String(port) },
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  while (!/listening|running/i.test(seen)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`server-everything ${mode} did not start: ${seen}`);
    seen += value;
  }
  (async () => {
    while (!(await reader.read()).done) { /* drain */ }
  })();
  return {
    port,
    stop: async () => {
      child.kill("SIGKILL");
      await child.status;
    },
  };
}

Deno.test({
  name: "HTTP upstreams: Streamable HTTP, SSE fallback, and a missing permission",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const http = await everything("streamableHttp");
    const sse = await everything("sse");
    try {
      const server = await startServer({
        config: {
          servers: {
            web: { url: `http://127.0.0.1:${http.port}/mcp`, description: "everything over HTTP" },
            legacy: { url: `http://127.0.0.1:${sse.port}/sse`, description: "everything over SSE" },
            capped: { url: `http://127.0.0.1:${http.port}/mcp`, max_result_bytes: 1024 },
          },
          sandbox: { pool_size: 1 },
        },
      });
      try {
        await t.step("a tool over Streamable HTTP", async () => {
          const r = await execute(server, "tools.web.get_sum(a=20, b=22)");
          assert.equal(r.ok, true, r.text);
          assert.equal(r.result, "The sum of 20 and 22 is 42.");
        });
        await t.step("a result over max_result_bytes is RESULT_TOO_LARGE over HTTP", async () => {
          const r = await execute(
            server,
            "try:\n    tools.capped.echo(message='x' * 2000)\nexcept ToolError as e:\n" +
              "    error = [e.code, str(e)]\n[error, tools.capped.echo(message='short')]",
          );
          assert.equal(r.ok, true, r.text);
          const [[code, message], after] = r.result as [[string, string], string];
          assert.equal(code, "RESULT_TOO_LARGE", message);
          assert.match(message, /servers\.capped\.max_result_bytes/);
          assert.match(JSON.stringify(after), /short/);
        });
        await t.step("a tool over SSE after the Streamable HTTP attempt fails", async () => {
          const r = await execute(server, "tools.legacy.echo(message='over sse')");
          assert.equal(r.ok, true, r.text);
          assert.match(JSON.stringify(r.result), /over sse/);
        });
      } finally {
        await server.close();
      }

      await t.step(
        "without net access the upstream is unavailable and the fix is named",
        async () => {
          const denied = await startServer({
            config: {
              servers: { web: { url: `http://127.0.0.1:${http.port}/mcp` } },
              sandbox: { pool_size: 1 },
            },
            flags: ["--deny-net=127.0.0.1"], // deno task start allows the network
          });
          try {
            const { tools } = await denied.client.listTools();
            const description = tools.find((x) => x.name === "execute_code")!.description!;
            assert.match(description, /\nweb: unavailable/);
            assert.match(denied.stderr(), /--allow-net=127\.0\.0\.1:\d+/);
          } finally {
            await denied.close();
          }
        },
      );
    } finally {
      await http.stop();
      await sse.stop();
    }
  },
});

/** An HTTP server that accepts MCP requests and SSE streams but never answers on them. */
function silentServer() {
  const release: (() => void)[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (request) => {
    if (request.method === "GET") {
      const body = new ReadableStream<Uint8Array>({
        start: (controller) => void release.push(() => controller.close()),
      });
      return new Response(body, { headers: { "content-type": "text/event-stream" } });
    }
    return new Promise<Response>((resolve) => {
      release.push(() => resolve(new Response(null, { status: 503 })));
    });
  });
  return {
    port: server.addr.port,
    stop: async () => {
      for (const fn of release) {
        try {
          fn();
        } catch { /* the client already dropped that stream */ }
      }
      await server.shutdown();
    },
  };
}

Deno.test({
  name: "HTTP upstreams that never answer are unavailable after timeout_ms; the host starts",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const silent = silentServer();
    try {
      const base = `http://127.0.0.1:${silent.port}`;
      const server = await startServer({
        config: {
          servers: {
            mute_sse: { url: `${base}/sse`, type: "sse", timeout_ms: 1000 },
            mute_http: { url: `${base}/mcp`, type: "http", timeout_ms: 1000 },
          },
          sandbox: { pool_size: 0 },
        },
      });
      try {
        const { tools } = await server.client.listTools();
        const description = tools.find((x) => x.name === "execute_code")!.description!;
        assert.match(description, /\nmute_sse: unavailable/);
        assert.match(description, /\nmute_http: unavailable/);
        assert.match(server.stderr(), /"mute_sse" is unavailable: .*no answer within 1000 ms/);
        assert.match(server.stderr(), /"mute_http" is unavailable: .*timed out/);
      } finally {
        await server.close();
      }
    } finally {
      await silent.stop();
    }
  },
});
