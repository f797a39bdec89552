/**
 * The flags of `deno task bench` and where its results go: `.cache/bench/` (not tracked by git)
 * unless `--record` asks to record them as `bench/results/latest.{md,json}` (tracked).
 */
import { parseArgs } from "node:util";

/** The bench's options, once the flags are valid. */
export interface BenchFlags {
  quick: boolean;
  json: boolean;
  record: boolean;
  soak: number;
}

/** The options of `args`, or the message of what is wrong with them. */
export function benchFlags(args: string[]): { ok: true; flags: BenchFlags } | {
  ok: false;
  message: string;
} {
  let values;
  try {
    values = parseArgs({
      args,
      options: {
        quick: { type: "boolean" },
        json: { type: "boolean" },
        record: { type: "boolean" },
        soak: { type: "string" },
      },
      strict: true,
    }).values;
  } catch (error) {
    return { ok: false, message: `${(error as Error).message}. ${USAGE}` };
  }
  const quick = values.quick ?? false;
  const soak = values.soak ? Number(values.soak) : quick ? 40 : 200;
  if (!Number.isInteger(soak) || soak < 1) {
    return { ok: false, message: "--soak takes a whole number of executions, e.g. --soak 2000" };
  }
  return {
    ok: true,
    flags: { quick, json: values.json ?? false, record: values.record ?? false, soak },
  };
}

/** One line of usage. */
export const USAGE = "Usage: deno task bench [--quick] [--json] [--soak N] [--record]";

/** The folder the results are written to: tracked `bench/results/` only with `--record`. */
export function resultsDir(flags: Pick<BenchFlags, "record">): URL {
  return flags.record
    ? new URL("./results/", import.meta.url)
    : new URL("../.cache/bench/", import.meta.url);
}
