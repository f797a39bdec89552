/**
 * How the single binary is told to be a sandbox child: the host starts its children as copies of
 * itself with this first argument (`src/sandbox_host/paths.ts`), and `binary.ts` then revokes
 * every permission before loading the worker. This module imports nothing.
 */

/** First argument that starts the binary as a sandbox child. */
export const SANDBOX_FLAG = "--sandbox-child";
