/**
 * The files side of `execute_code` on one MCP connection: the connection's sandbox sessions (kept
 * by its {@link ClientScope}), their `/data/out` files as MCP resources
 * (`sandbox://<session>/out/<path>`: listed, readable, a `list_changed` notification when they
 * change; another connection's are never visible), and a run's output files as embedded-resource
 * content blocks.
 */
import { McpError, McpErrorCode, type McpServer, ResourceTemplate } from "../mcp_sdk.ts";
import type { Executor } from "../sandbox_host/executor.ts";
import type { OutputFile } from "../sandbox_host/files.ts";
import type { ConnectionSessions } from "../sandbox_host/sessions.ts";
import type { ClientScope } from "./client_scope.ts";

/** An embedded-resource content block of a tool result. */
export type ResourceBlock = {
  type: "resource";
  resource: { uri: string; mimeType: string; text: string } | {
    uri: string;
    mimeType: string;
    blob: string;
  };
};

/** The URI of an output file of session (or execution) `owner`. */
export function fileUri(owner: string, path: string): string {
  return `sandbox://${owner}/out/${path.split("/").map(encodeURIComponent).join("/")}`;
}

/** Embedded-resource blocks of the files whose content came back (truncated ones are left out). */
export function fileBlocks(files: OutputFile[], owner: string): ResourceBlock[] {
  const blocks: ResourceBlock[] = [];
  for (const file of files) {
    const base = { uri: fileUri(owner, file.path), mimeType: file.mime_type };
    if (file.text !== undefined) {
      blocks.push({ type: "resource", resource: { ...base, text: file.text } });
    } else if (file.blob !== undefined) {
      blocks.push({ type: "resource", resource: { ...base, blob: file.blob } });
    }
  }
  return blocks;
}

/**
 * The sessions of `scope` (which ends them when the conversation closes), with their files
 * registered as resources on `server`.
 */
export function connectionSessions(
  server: McpServer,
  executor: Executor,
  scope: ClientScope,
): ConnectionSessions {
  const sessions = scope.sandboxSessions(executor.sessions, executor.files.max_output_bytes);
  sessions.onChange = () => server.sendResourceListChanged();
  const template = new ResourceTemplate("sandbox://{session}/out/{+path}", {
    list: () => ({
      resources: sessions.list().flatMap((session) =>
        [...session.files.values()].map((file) => ({
          uri: fileUri(session.name, file.path),
          name: `${session.name}/out/${file.path}`,
          mimeType: file.mime_type,
          size: file.bytes,
        }))
      ),
    }),
  });
  server.registerResource("session_files", template, {
    description: "Files sandbox sessions wrote under /data/out.",
  }, (uri, variables) => {
    const name = String(variables.session);
    const path = String(variables.path).split("/").map(decode).join("/");
    const file = sessions.list().find((s) => s.name === name)?.files.get(path);
    if (!file) {
      throw new McpError(
        McpErrorCode.InvalidParams,
        `There is no file ${uri.href} in this connection's sessions; list them with resources/list.`,
      );
    }
    const base = { uri: uri.href, mimeType: file.mime_type };
    if (file.text !== undefined) return { contents: [{ ...base, text: file.text }] };
    if (file.blob !== undefined) return { contents: [{ ...base, blob: file.blob }] };
    throw new McpError(
      McpErrorCode.InvalidParams,
      `The file ${uri.href} (${file.bytes} bytes) is over files.max_output_bytes and is not ` +
        "kept; read it in the session and return a part or a summary.",
    );
  });
  return sessions;
}

function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
