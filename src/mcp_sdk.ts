/**
 * The MCP SDK pieces this project uses, re-exported with their types. The SDK's wildcard export
 * maps `sdk/x.js` to the types file `x.js.d.ts`, which does not exist, so Deno would type them as
 * `any`; each `@ts-types` below names the right declaration file.
 */
export { Client } from "@modelcontextprotocol/sdk/client";
// @ts-types="@modelcontextprotocol/sdk/client/stdio"
export { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
// @ts-types="@modelcontextprotocol/sdk/server/mcp"
export { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
// @ts-types="@modelcontextprotocol/sdk/server/stdio"
export { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
