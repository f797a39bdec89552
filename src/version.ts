/** The name and version this project reports as an MCP server and as a client of upstreams. */

/** Name in `serverInfo`/`clientInfo`. */
export const SERVER_NAME = "mcp-code-mode";
/** Version of the server (and of its client to upstreams). */
export const SERVER_VERSION = "0.1.0";
