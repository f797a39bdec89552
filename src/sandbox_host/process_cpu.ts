/**
 * CPU time a process has used so far (user + system, every thread), from Linux's
 * `/proc/<pid>/stat`. Used to measure a sandbox child's start phase by phase (the bench); elsewhere
 * there is no figure. Deno lets only `--allow-all` read `/proc/<pid>/…`, so the file is read by
 * `cat` (the host may start processes): about a millisecond, and only when measuring.
 */

/** Clock ticks per second of `/proc/<pid>/stat` on Linux (USER_HZ, 100 on every architecture). */
const TICKS_PER_SECOND = 100;

/** Milliseconds of CPU process `pid` has used, or undefined where `/proc` cannot tell. */
export function processCpuMs(pid: number): number | undefined {
  if (Deno.build.os !== "linux") return undefined;
  try {
    const cat = new Deno.Command("cat", { args: [`/proc/${pid}/stat`], stderr: "null" })
      .outputSync();
    return cat.success ? cpuMsFromStat(new TextDecoder().decode(cat.stdout)) : undefined;
  } catch {
    return undefined;
  }
}

/** The CPU milliseconds in one `/proc/<pid>/stat` line (fields 14 and 15), or undefined. */
export function cpuMsFromStat(stat: string): number | undefined {
  // The command name (field 2) is in parentheses and may contain spaces: count after it.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  return Number.isFinite(ticks) ? (ticks * 1000) / TICKS_PER_SECOND : undefined;
}
