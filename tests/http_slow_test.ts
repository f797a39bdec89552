/**
 * Slow connections against the real server (`http.request_timeout_ms` of 1 s): raw TCP sockets
 * that send nothing, part of the headers, headers one line at a time (slowloris), or part of a
 * body are answered 408 and closed; a request whose answer takes longer than the timeout is not.
 */
import assert from "node:assert/strict";
import { connectHttp, startHttpServer } from "../support/http.ts";

const opts = { sanitizeOps: false, sanitizeResources: false }; // the server is a child process
const encoder = new TextEncoder();
/** Seconds the last execution runs: longer than the 1 s timeout on purpose (the scenario). */
const SLOWER_THAN_TIMEOUT_S = 2.5;

/** Everything the server sends until it closes the connection; rejects if it is open after `ms`. */
async function untilClosed(conn: Deno.Conn, ms: number): Promise<string> {
  let text = "";
  let timer: ReturnType<typeof setTimeout> | undefined;
  const open = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still open after ${ms} ms: ${text}`)), ms);
  });
  const read = (async () => {
    const buffer = new Uint8Array(4096);
    for (;;) {
      const n = await conn.read(buffer).catch(() => null); // a reset is a close too
      if (n === null) return text;
      text += new TextDecoder().decode(buffer.subarray(0, n));
    }
  })();
  try {
    return await Promise.race([read, open]);
  } finally {
    clearTimeout(timer);
  }
}

async function slowSocket(port: number, first: string): Promise<Deno.TcpConn> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  if (first) await conn.write(encoder.encode(first));
  return conn;
}

Deno.test("HTTP: slow headers and slow bodies are answered 408 and closed", opts, async () => {
  const server = await startHttpServer({
    config: { sandbox: { pool_size: 1 }, http: { request_timeout_ms: 1000 } },
  });
  const conns: Deno.TcpConn[] = [];
  let drip: ReturnType<typeof setInterval> | undefined;
  try {
    const headers = `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\n`;
    const silent = await slowSocket(server.port, "");
    const partialHeaders = await slowSocket(server.port, headers);
    const partialBody = await slowSocket(
      server.port,
      `${headers}Content-Type: application/json\r\nAccept: application/json, text/event-stream\r\n` +
        'Content-Length: 100\r\n\r\n{"jsonrpc":',
    );
    const slowloris = await slowSocket(server.port, headers);
    conns.push(silent, partialHeaders, partialBody, slowloris);
    let n = 0; // one more header line every 200 ms: each arrives well within the timeout
    drip = setInterval(() => {
      slowloris.write(encoder.encode(`X-Drip-${n++}: 1\r\n`)).catch(() => clearInterval(drip));
    }, 200);

    const [a, b, c, d] = await Promise.all(conns.map((conn) => untilClosed(conn, 30_000)));
    for (const [name, text] of [["partial headers", b], ["partial body", c], ["slowloris", d]]) {
      assert.match(text, /^HTTP\/1\.1 408 /, `${name}: ${text}`);
    }
    assert.ok(a === "" || a.startsWith("HTTP/1.1 408 "), `silent: ${a}`);

    const { client } = await connectHttp(server.url);
    const slow = await client.callTool(
      {
        name: "execute_code",
        arguments: { code: `import time\ntime.sleep(${SLOWER_THAN_TIMEOUT_S})\nprint('done')` },
      },
      undefined,
      { timeout: 60_000 },
    );
    assert.equal(slow.isError, false, JSON.stringify(slow));
    assert.equal((slow.structuredContent as { stdout: string }).stdout, "done\n");
    await client.ping();
    await client.close();
    assert.doesNotMatch(server.stderr(), /error:/, "a timed-out request is not a server error");
  } finally {
    clearInterval(drip);
    for (const conn of conns) {
      try {
        conn.close();
      } catch {
        // closed already
      }
    }
    await server.stop();
  }
});
