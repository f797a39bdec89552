/**
 * The v2 MCP client SDK pieces the broker uses to reach upstream servers, re-exported with their
 * types: the `Client` (with protocol-era negotiation), its HTTP transports, the `Transport`
 * interface our stdio transport implements, and its typed errors (`SdkError` with string codes,
 * `ProtocolError` for JSON-RPC errors). The host's own server side stays on the v1 SDK
 * (src/mcp_sdk.ts); nothing here is used by it.
 */
export {
  Client,
  ProtocolError,
  ProtocolErrorCode,
  SdkError,
  SdkErrorCode,
  serializeMessage,
  SSEClientTransport,
  StreamableHTTPClientTransport,
} from "@modelcontextprotocol/client";
export type {
  JSONRPCMessage,
  ProtocolEra,
  Tool,
  Transport as ClientTransport,
} from "@modelcontextprotocol/client";
export { getDefaultEnvironment } from "@modelcontextprotocol/client/stdio";
