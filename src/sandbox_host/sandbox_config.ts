/**
 * The `sandbox` section of the configuration: the warm pool, admission control, and the limits of
 * one execution (time, memory, output, tool calls) with their defaults.
 */
import { z } from "zod";

const MiB = 1024 * 1024;

/** Limits and pool settings of the Python sandbox. */
export const SandboxConfigSchema = z.object({
  pool_size: z.number().int().min(0).max(32).default(2)
    .describe("Warm children kept ready; 0 spawns one per execution (cold)."),
  timeout_ms: z.number().int().min(100).max(600_000).default(30_000)
    .describe("Default wall-clock limit of one execution."),
  max_timeout_ms: z.number().int().min(100).max(3_600_000).default(300_000)
    .describe("Largest timeout_ms a caller may ask for."),
  memory_mb: z.number().int().min(64).max(4096).default(512)
    .describe("Cap on Python's WebAssembly memory."),
  rss_limit_mb: z.number().int().min(128).max(16384).default(1536)
    .describe("Resident memory of a child past which the host kills it."),
  output_bytes: z.number().int().min(1024).max(16 * MiB).default(64 * 1024)
    .describe("stdout+stderr kept per execution; the rest is cut with a marker."),
  output_hard_bytes: z.number().int().min(1024).max(256 * MiB).default(4 * MiB)
    .describe("Output after which the execution is stopped with OUTPUT_LIMIT."),
  result_bytes: z.number().int().min(1024).max(16 * MiB).default(64 * 1024)
    .describe("Size of the serialised return value kept."),
  max_concurrent: z.number().int().min(1).max(1024)
    .default(Math.max(2, navigator.hardwareConcurrency || 2))
    .describe("Executions running at once (default: the number of cores, at least 2); more wait."),
  queue_timeout_ms: z.number().int().min(0).max(3_600_000).default(30_000)
    .describe("How long an execution may wait for a free slot before it ends with BUSY."),
  total_rss_mb: z.number().int().min(128).max(1_048_576).optional()
    .describe(
      "Resident memory of all sandbox children together past which the largest running one is " +
        "killed (default: half the machine's memory, at least rss_limit_mb).",
    ),
  max_tool_calls: z.number().int().min(0).max(100_000).default(200)
    .describe("Tool calls allowed per execution (TOOL_CALL_LIMIT past it)."),
  start_timeout_ms: z.number().int().min(1000).max(600_000).default(60_000)
    .describe("How long a child may take to load Pyodide."),
  wasm_optimizing_compiler: z.boolean().default(false)
    .describe("Let V8 optimise hot interpreter code: faster long computations, slower short runs."),
  use_snapshot: z.boolean().default(true)
    .describe("Start children from the memory snapshot (false only to measure cold starts)."),
  isolation: z.enum(["process", "worker"]).default("process")
    .describe(
      'Where each execution gets its fresh interpreter: "process" (a new sandbox process each, ' +
        'the default) or "worker" (a new Worker, its own V8 isolate, inside a long-lived ' +
        "sandbox process: faster, weaker; see the README's security model).",
    ),
  recycle_after: z.number().int().min(1).max(10_000).default(50)
    .describe('With isolation "worker": interpreters one sandbox process serves before it exits.'),
  cache_dir: z.string().min(1).optional()
    .describe(
      "Where the Pyodide memory snapshot is cached (default: .cache in the project); " +
        "relative to the config file's folder.",
    ),
}).strict().refine((sandbox) => sandbox.isolation === "process" || sandbox.use_snapshot, {
  message: 'isolation "worker" needs use_snapshot: each Worker restores the snapshot',
  path: ["isolation"],
});

/** Sandbox settings with defaults applied. */
export type SandboxConfig = z.infer<typeof SandboxConfigSchema>;
