/**
 * `deno task conformance`: starts the server over HTTP on a free loopback port (the flags of
 * `deno task start:http`, no upstreams, no token), runs the MCP conformance suite against it with
 * the committed baseline of expected failures, checks that the scenarios every server must pass
 * did pass, and stops the server. Exits non-zero when anything is off.
 */
import { startHttpServer } from "../support/http.ts";
import { root } from "../support/server.ts";
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
  const server = await startHttpServer(); // no upstreams, no token: the suite sends none
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

if (import.meta.main) Deno.exit(await main());
