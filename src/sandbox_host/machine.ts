/**
 * What the host machine offers, for defaults sized to it: its physical memory, read with
 * `Deno.systemMemoryInfo` when `--allow-sys` grants it, else with `getconf` (the host may run
 * programs), else unknown.
 */

/** Physical memory in MB; undefined when it cannot be read. */
export async function machineMemoryMb(): Promise<number | undefined> {
  try {
    return Deno.systemMemoryInfo().total / 1024 / 1024;
  } catch {
    // no --allow-sys: ask getconf
  }
  const pages = await getconf("_PHYS_PAGES");
  const size = await getconf("PAGE_SIZE");
  return pages && size ? pages * size / 1024 / 1024 : undefined;
}

async function getconf(name: string): Promise<number | undefined> {
  try {
    const out = await new Deno.Command("getconf", { args: [name], stdout: "piped", stderr: "null" })
      .output();
    const value = Number(new TextDecoder().decode(out.stdout).trim());
    return out.success && value > 0 ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The default of `sandbox.total_rss_mb`: half the machine's memory, at least `rssLimitMb`. */
export async function defaultTotalRssMb(rssLimitMb: number): Promise<number> {
  const machine = (await machineMemoryMb()) ?? 8192;
  return Math.max(rssLimitMb, Math.floor(machine / 2));
}
