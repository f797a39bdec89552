/**
 * `deno task conformance`: starts the server over HTTP on a free loopback port (the flags of
 * `deno task start:http`, no upstreams, no token), runs the MCP conformance suite against it with
 * the committed baseline of expected failures, checks that the scenarios every server must pass
 * did pass, and stops the server. Exits non-zero when anything is off.
 */
import { taskFlags } from "./task_flags.ts";
import { parseArgs } from "node:util";

/** The pinned suite (also in deno.json "imports", so deno.lock records it). */
export const CONFORMANCE = "npm:@modelcontextprotocol/conformance@0.1.16";
/** Scenarios that must pass whatever the baseline says. */
export const REQUIRED = [
  "server-initialize",
  "ping",
  "tools-list",
  "logging-set-level",
  "dns-rebinding-protection",
];

const root = decodeURIComponent(new URL("../", import.meta.url).pathname);
const BASELINE = "conformance/expected_failures.yaml";

/** Runs the suite; resolves to the exit code. */
async function main(): Promise<number> {
  const { values } = parseArgs({ args: Deno.args, options: { help: { type: "boolean" } } });
  if (values.help) {
    console.log("Usage: deno task conformance   (runs the MCP conformance suite over HTTP)");
    return 0;
  }
  const baseline = await Deno.readTextFile(`${root}${BASELINE}`);
  const listed = REQUIRED.filter((name) =>
    new RegExp(`^\\s*-\\s*${name}\\s*$`, "m").test(baseline)
  );
  if (listed.length) {
    console.error(`${BASELINE} lists ${listed.join(", ")}: these must pass; remove them.`);
    return 1;
  }
  const server = await startServer();
  try {
    console.error(`conformance: server at ${server.url}`);
    const run = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        CONFORMANCE,
        "server",
        "--url",
        server.url,
        "--expected-failures",
        BASELINE,
      ],
      cwd: root,
      stdin: "null",
      stdout: "piped",
      stderr: "inherit",
    }).output();
    const output = new TextDecoder().decode(run.stdout);
    // The suite's summary ends with "Total: N passed, M failed" (fixture scenarios included);
    // print it under another word so that line is not read as this project's test count.
    await Deno.stdout.write(new TextEncoder().encode(output.replace(/^Total: /m, "Checks: ")));
    const missing = REQUIRED.filter((name) =>
      !new RegExp(`✓ ${name}: \\d+ passed, 0 failed`).test(output)
    );
    if (missing.length) {
      console.error(`conformance: required scenarios did not pass: ${missing.join(", ")}`);
      return 1;
    }
    if (!run.success) {
      console.error(`conformance: the suite failed against the baseline (exit ${run.code})`);
      return run.code || 1;
    }
    console.error(
      `conformance: baseline check passed; required scenarios pass: ${REQUIRED.join(", ")}`,
    );
    return 0;
  } finally {
    await server.stop();
  }
}

/** Starts `main.ts --transport http` on a free port and waits until it listens. */
async function startServer(): Promise<{ url: string; stop: () => Promise<void> }> {
  const flags = taskFlags("start:http");
  await Deno.mkdir(`${root}.cache`, { recursive: true });
  const config = `.cache/conformance-config-${crypto.randomUUID()}.json`;
  await Deno.writeTextFile(`${root}${config}`, JSON.stringify({ sandbox: { pool_size: 0 } }));
  const env = Deno.env.toObject();
  delete env.MCP_CODE_MODE_TOKEN; // the suite sends no token
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", ...flags, "main.ts", "--transport", "http", "--port", "0", "--config", config],
    cwd: root,
    env,
    clearEnv: true,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let log = "";
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`The server did not start:\n${log}`)), 60_000);
    (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of child.stderr) {
        log += decoder.decode(chunk, { stream: true });
        const found = /Serving MCP over HTTP at (\S+) /.exec(log);
        if (found) {
          clearTimeout(timer);
          resolve(found[1]);
        }
      }
      clearTimeout(timer);
      reject(new Error(`The server exited before it listened:\n${log}`));
    })();
  });
  return {
    url,
    stop: async () => {
      try {
        child.kill("SIGTERM");
      } catch {
        // already gone
      }
      await child.status;
      await Deno.remove(`${root}${config}`).catch(() => {});
    },
  };
}

if (import.meta.main) Deno.exit(await main());
