/**
 * Test support: waiting for a condition that has no event to await (a process list, a file), with
 * a bounded deadline instead of a fixed sleep.
 */

/** Resolves once `check` holds (checked every 20 ms); rejects naming `what` after `ms`. */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  what: string,
  ms = 30_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Waited ${ms} ms in vain for ${what}.`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
