/**
 * The single binary. Its sandbox mode is tested under `deno run -A` (a compiled binary's children
 * start with every permission it was built with): after revoking, every escape probe must fail with
 * NotCapable, and the real worker started that way must run Python with the same result. The real
 * `deno task compile` runs only when a Deno runtime (denort) is at hand; otherwise the test is
 * ignored (Deno's summary counts it so; these build machines cannot download denort).
 */
import assert from "node:assert/strict";
import { SANDBOX_FLAG } from "../src/relay/sandbox_flag.ts";
import { SandboxConfigSchema } from "../src/config.ts";
import { Client, StdioClientTransport } from "../src/mcp_sdk.ts";
import type { ChildRunResult } from "../src/relay/protocol.ts";
import { SandboxChild } from "../src/sandbox_host/child.ts";
import { emptyDir, ensureSnapshot } from "../src/sandbox_host/snapshot.ts";
import { findRuntime, OUTPUT } from "../scripts/compile.ts";
import { root, writeConfig } from "../support/server.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

/** A listener that counts connections: a probe that reaches it got through. */
function countingListener(): { port: number; connections: () => number; close: () => void } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  let count = 0;
  (async () => {
    for await (const conn of listener) {
      count++;
      conn.close();
    }
  })().catch(() => {});
  return { port: listener.addr.port, connections: () => count, close: () => listener.close() };
}

Deno.test("sandbox mode: after revoking, every probe is NotCapable (under deno run -A)", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "mcp-revoke-" });
  Deno.writeTextFileSync(`${dir}/module.ts`, "export const x = 1;\n");
  const net = countingListener();
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", `${root}support/revoke_probe.ts`, dir, String(net.port)],
      env: { DENO_NO_PROMPT: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    const results = JSON.parse(new TextDecoder().decode(out.stdout));
    for (const probe of ["read", "read_dir", "write", "net_fetch", "net_connect", "net_listen"]) {
      assert.equal(results[probe], "NotCapable", probe);
    }
    for (const probe of ["env", "env_all", "run", "ffi", "sys"]) {
      assert.equal(results[probe], "NotCapable", probe);
    }
    assert.match(results.import_file, /Requires read access/);
    for (const [key, state] of Object.entries(results)) {
      if (key.startsWith("state_")) assert.notEqual(state, "granted", key);
    }
    assert.equal(net.connections(), 0, "nothing reached the listener");
    assert.throws(() => Deno.statSync(`${dir}/pwned.txt`), Deno.errors.NotFound);
  } finally {
    net.close();
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test(
  "sandbox mode: the worker started as --sandbox-child runs Python, escapes fail",
  opts,
  async () => {
    const config = SandboxConfigSchema.parse({});
    const snapshot = await ensureSnapshot(config);
    assert.ok(snapshot.ok, snapshot.ok ? "" : snapshot.message);
    const net = countingListener();
    const child = SandboxChild.spawn({
      config,
      snapshot: snapshot.bytes,
      cwd: await emptyDir(config),
      // What the binary runs, with `deno run -A` standing in for the binary's baked-in permissions.
      command: {
        path: Deno.execPath(),
        args: [
          "run",
          "-A",
          "--unstable-raw-imports",
          "--cached-only",
          `--config=${root}deno.json`,
          `${root}binary.ts`,
          SANDBOX_FLAG,
        ],
        env: { DENO_NO_PROMPT: "1", DENO_V8_FLAGS: "--liftoff-only" },
      },
    });
    try {
      const ready = await child.ready;
      assert.ok(ready.ok, ready.ok ? "" : `${ready.message}\n${child.stderrTail}`);
      const done = new Promise<ChildRunResult>((resolve, reject) => {
        child.onEvent((event) => {
          if (event.kind === "message" && event.message.type === "done") {
            resolve(event.message.result);
          } else if (event.kind !== "message") {
            reject(new Error(`${event.kind}: ${child.stderrTail}`));
          }
        });
      });
      const probes = `(async () => {
      const out = {};
      const probes = {
        read: () => Deno.readTextFileSync("/etc/passwd"),
        write: () => Deno.writeTextFileSync("/tmp/mcp-sandbox-mode-pwned", "x"),
        net: () => Deno.connect({ hostname: "127.0.0.1", port: ${net.port} }),
        fetch: () => fetch("http://127.0.0.1:${net.port}/"),
        env: () => Deno.env.get("HOME"),
        run: () => new Deno.Command("/usr/bin/true").outputSync(),
        ffi: () => Deno.dlopen("libc.so.6", {}),
        sys: () => Deno.hostname(),
      };
      for (const [name, probe] of Object.entries(probes)) {
        try { await probe(); out[name] = "allowed"; } catch (e) { out[name] = e.name; }
      }
      return JSON.stringify(out);
    })()`;
      await child.send({
        type: "run",
        id: "probe",
        code: `from pyodide.code import run_js\nprint(sum(range(10)))\nprint(await run_js(${
          JSON.stringify(probes)
        }))`,
        tools: [],
        policy: null,
      });
      const result = await done;
      assert.equal(result.ok, true, JSON.stringify(result));
      const [sum, json] = result.stdout.trim().split("\n");
      assert.equal(sum, "45");
      const outcomes = JSON.parse(json);
      for (const probe of ["read", "write", "net", "fetch", "env", "run", "ffi", "sys"]) {
        assert.equal(outcomes[probe], "NotCapable", `${probe}: ${json}`);
      }
      assert.equal(net.connections(), 0);
      assert.throws(() => Deno.statSync("/tmp/mcp-sandbox-mode-pwned"), Deno.errors.NotFound);
    } finally {
      child.kill();
      await child.exited;
      net.close();
    }
  },
);

const runtime = await findRuntime();

Deno.test({
  name: "compiled binary: deno task compile, then execute_code through it " +
    "(ignored unless Deno's runtime denort is at hand: set DENORT_BIN=/path/to/denort)",
  ignore: !runtime,
  ...opts,
  fn: async () => {
    const task = JSON.parse(Deno.readTextFileSync(`${root}deno.json`)).tasks.compile as string;
    const built = await new Deno.Command(Deno.execPath(), {
      args: task.split(/\s+/).slice(1),
      cwd: root,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(built.code, 0, new TextDecoder().decode(built.stderr));
    const binary = `${root}${OUTPUT}`;
    const config = writeConfig({ sandbox: { pool_size: 1 } });
    const transport = new StdioClientTransport({
      command: binary,
      args: ["--config", `${root}${config}`],
      cwd: Deno.makeTempDirSync(), // the binary needs no project folder
      stderr: "pipe",
    });
    const client = new Client({ name: "binary-test", version: "1.0.0" });
    try {
      await client.connect(transport);
      const result = await client.callTool(
        {
          name: "execute_code",
          arguments: { code: "import json\nprint(json.dumps({'a': 6 * 7}))" },
        },
        undefined,
        { timeout: 120_000 },
      );
      assert.equal(result.isError, false, JSON.stringify(result));
      assert.equal((result.structuredContent as { stdout: string }).stdout, '{"a": 42}\n');
    } finally {
      await client.close();
      await Deno.remove(`${root}${config}`).catch(() => {});
    }
  },
});
