/**
 * Test and bench support: looking at processes with `ps` (Deno reads /proc only with
 * --allow-all) — liveness, children, descendants, command lines, resident memory.
 */

const decoder = new TextDecoder();

async function ps(args: string[]): Promise<string> {
  const out = await new Deno.Command("ps", { args, stdout: "piped", stderr: "null" }).output();
  return decoder.decode(out.stdout).trim();
}

/** True while a process with this pid exists (zombies included). */
export function isAlive(pid: number): boolean {
  try {
    Deno.kill(pid, "SIGCONT");
    return true;
  } catch {
    return false;
  }
}

/** True when the process has exited but was not reaped (or is gone). */
export function isZombie(pid: number): boolean {
  const out = new Deno.Command("ps", { args: ["-o", "stat=", "-p", String(pid)], stdout: "piped" })
    .outputSync();
  const stat = decoder.decode(out.stdout).trim();
  return stat === "" || stat.startsWith("Z");
}

/** Waits until `pid` is gone; false after `ms`. */
export async function waitForExit(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!isAlive(pid) || isZombie(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

/** Pids of the direct children of `pid`. */
export async function childPids(pid: number): Promise<number[]> {
  return (await ps(["-o", "pid=", "--ppid", String(pid)])).split("\n").map(Number).filter((n) =>
    n > 0
  );
}

/** Every descendant of `pid`. */
export async function descendants(pid: number): Promise<number[]> {
  const children = new Map<number, number[]>();
  for (const line of (await ps(["-e", "-o", "pid=,ppid="])).split("\n")) {
    const [child, parent] = line.trim().split(/\s+/).map(Number);
    children.set(parent, [...(children.get(parent) ?? []), child]);
  }
  const found: number[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      found.push(c);
      walk(c);
    }
  };
  walk(pid);
  return found;
}

/** The command line of a process ("" once it is gone). */
export function commandLine(pid: number): Promise<string> {
  return ps(["-o", "args=", "-p", String(pid)]);
}

/** Resident memory of a process in MB. */
export async function rssMb(pid: number): Promise<number> {
  return Math.round(Number(await ps(["-o", "rss=", "-p", String(pid)])) / 1024 * 100) / 100;
}

/** Descendants of `pid` whose command line contains `marker`, with their resident memory (MB). */
export async function descendantsMatching(
  pid: number,
  marker: string,
): Promise<Array<{ pid: number; rssMb: number }>> {
  const rows = (await ps(["-e", "-o", "pid=,ppid=,rss=,args="])).split("\n").map((line) => {
    const [child, parent, rss, ...args] = line.trim().split(/\s+/);
    return {
      pid: Number(child),
      ppid: Number(parent),
      rssMb: Number(rss) / 1024,
      args: args.join(" "),
    };
  });
  const below = new Set([pid]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const row of rows) {
      if (below.has(row.ppid) && !below.has(row.pid)) {
        below.add(row.pid);
        grew = true;
      }
    }
  }
  return rows.filter((r) => r.pid !== pid && below.has(r.pid) && r.args.includes(marker))
    .map((r) => ({ pid: r.pid, rssMb: r.rssMb }));
}

/** Resident memory of `pid` and all its descendants together, in MB. */
export async function treeRssMb(pid: number): Promise<number> {
  const all = await descendantsMatching(pid, "");
  return Math.round((all.reduce((sum, p) => sum + p.rssMb, 0) + await rssMb(pid)) * 100) / 100;
}
