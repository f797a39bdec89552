/**
 * Sandbox sessions over Streamable HTTP: two MCP sessions using the same session name get
 * separate interpreters, each lists and reads only its own files (and is told when they change),
 * a closed MCP session ends its sandbox sessions, and a stateless server refuses sessions.
 */
import assert from "node:assert/strict";
import { ResourceListChangedNotificationSchema } from "../src/mcp_sdk.ts";
import { connectHttp, startHttpServer } from "../support/http.ts";
import { run, waitForChildren } from "../support/sessions.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

Deno.test({
  name: "two MCP sessions with the same session name are isolated, files and resources too",
  ...opts,
  async fn() {
    const server = await startHttpServer({ config: { sandbox: { pool_size: 0 } } });
    try {
      const a = await connectHttp(server.url);
      const b = await connectHttp(server.url);
      let changedA = 0;
      let changedB = 0;
      a.client.setNotificationHandler(ResourceListChangedNotificationSchema, () => void changedA++);
      b.client.setNotificationHandler(ResourceListChangedNotificationSchema, () => void changedB++);

      const setA = await run(a.client, "secret = 'from-a'\nopen('out/a.txt', 'w').write(secret)", {
        session: "shared",
      });
      assert.deepEqual(setA.session, { id: "shared", state: "new" }, setA.text);
      const seenB = await run(b.client, "secret", { session: "shared" });
      assert.deepEqual(seenB.session, { id: "shared", state: "new" });
      assert.match(seenB.error?.message ?? "", /NameError/, seenB.text);
      const filesB = await run(
        b.client,
        "import pathlib\nsorted(p.name for p in pathlib.Path('out').iterdir())",
        {
          session: "shared",
        },
      );
      assert.deepEqual(filesB.result, [], filesB.text);
      assert.equal((await run(a.client, "secret", { session: "shared" })).result, "from-a");

      const listedA = await a.client.listResources();
      assert.deepEqual(listedA.resources.map((r) => r.uri), ["sandbox://shared/out/a.txt"]);
      const listedB = await b.client.listResources();
      assert.deepEqual(listedB.resources, [], "B sees none of A's files");
      await assert.rejects(() => b.client.readResource({ uri: "sandbox://shared/out/a.txt" }));
      const readA = await a.client.readResource({ uri: "sandbox://shared/out/a.txt" });
      assert.equal((readA.contents[0] as { text: string }).text, "from-a");

      const deadline = Date.now() + 10_000;
      while (changedA === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.ok(changedA >= 1, "A was told its resource list changed");
      assert.equal(changedB, 0, "B was told nothing");

      // Closing an MCP session ends its sandbox sessions.
      assert.equal((await waitForChildren(server.pid, 2)).length, 2);
      await a.transport.terminateSession();
      await a.client.close();
      assert.equal((await waitForChildren(server.pid, 1)).length, 1, "A's child was not ended");
      await b.client.close();
    } finally {
      await server.stop();
    }
  },
});

Deno.test({
  name: "a stateless HTTP server refuses sessions with INVALID_INPUT",
  ...opts,
  async fn() {
    const server = await startHttpServer({
      config: { sandbox: { pool_size: 0 } },
      args: ["--stateless"],
    });
    try {
      const { client } = await connectHttp(server.url);
      const r = await run(client, "1", { session: "x" });
      assert.equal(r.error?.code, "INVALID_INPUT", r.text);
      assert.match(r.error!.message, /stateless/);
      assert.equal((await run(client, "6 * 7")).result, 42);
      await client.close();
    } finally {
      await server.stop();
    }
  },
});
