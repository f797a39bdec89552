/**
 * Code mode proper, end to end: real upstream servers from npm (filesystem, memory, everything)
 * behind the real server, called from Python through the real SDK client.
 */
import assert from "node:assert/strict";
import { countTokens } from "gpt-tokenizer";
import { commandLine, descendants, waitForExit } from "../support/processes.ts";
import { execute, startServer, type TestServer } from "../support/server.ts";
import { allUpstreams, PACKAGES } from "../support/upstreams.ts";
import { waitFor } from "../support/wait.ts";

const dir = Deno.makeTempDirSync({ prefix: "mcp-broker-" });
for (let i = 0; i < 20; i++) {
  Deno.writeTextFileSync(`${dir}/file${i}.txt`, `content of file ${i}\n`);
}

Deno.test({
  name: "upstream tools from Python",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const server: TestServer = await startServer({
      config: {
        servers: {
          ...allUpstreams(dir, { filesystem: { tools: { deny: ["move_file", "write_*"] } } }),
          broken: { command: "/nonexistent/mcp-server", description: "never starts" },
        },
        sandbox: { pool_size: 2 },
      },
    });
    try {
      await t.step(
        "the description is an index under 400 tokens that marks the broken server",
        async () => {
          const { tools } = await server.client.listTools();
          const description = tools.find((x) => x.name === "execute_code")!.description!;
          assert.ok(countTokens(description) <= 400, `${countTokens(description)} tokens`);
          assert.match(description, /\nfilesystem: .*read_text_file/);
          assert.match(description, /\nmemory: .*create_entities/);
          assert.match(description, /\nserver_everything: .*(get_sum|\(\+\d+ more\))/);
          assert.match(description, /\nbroken: unavailable/);
          assert.doesNotMatch(description, /write_file|move_file/, "denied tools are not listed");
          assert.ok(tools.some((x) => x.name === "search_tools"));
        },
      );

      await t.step("list a directory and read files", async () => {
        const r = await execute(
          server,
          `listing = tools.filesystem.list_directory(path=${JSON.stringify(dir)})\n` +
            `text = tools.filesystem.read_text_file(path=${JSON.stringify(`${dir}/file3.txt`)})\n` +
            "{'listing': str(listing)[:2000], 'text': text}",
        );
        assert.equal(r.ok, true, r.text);
        const value = r.result as { listing: string; text: unknown };
        assert.match(value.listing, /file19\.txt/);
        assert.match(JSON.stringify(value.text), /content of file 3/);
        assert.deepEqual(r.tool_calls.map((c) => `${c.server}.${c.tool}:${c.ok}`), [
          "filesystem.list_directory:true",
          "filesystem.read_text_file:true",
        ]);
      });

      await t.step("20 reads under asyncio.gather", async () => {
        const r = await execute(
          server,
          "import asyncio\n" +
            `paths = [f"${dir}/file{i}.txt" for i in range(20)]\n` +
            "out = await asyncio.gather(*(tools.filesystem.read_text_file.aio(path=p) for p in paths))\n" +
            "[str(o).count('content of file') for o in out]",
        );
        assert.equal(r.ok, true, r.text);
        assert.deepEqual(r.result, Array(20).fill(1));
        assert.equal(r.tool_calls.length, 20);
      });

      await t.step("memory entities are created, then found", async () => {
        const r = await execute(
          server,
          "tools.memory.create_entities(entities=[\n" +
            "    {'name': 'Ada', 'entityType': 'person', 'observations': ['wrote the first program']},\n" +
            "    {'name': 'Analytical Engine', 'entityType': 'machine', 'observations': ['designed by Babbage']},\n" +
            "])\n" +
            "found = tools.memory.search_nodes(query='program')\n" +
            "[e['name'] for e in found['entities']]",
        );
        assert.equal(r.ok, true, r.text);
        assert.deepEqual(r.result, ["Ada"]);
        assert.match(Deno.readTextFileSync(`${dir}/memory.jsonl`), /Analytical Engine/);
      });

      await t.step("get-sum is called as get_sum; help() shows the stub", async () => {
        const r = await execute(
          server,
          "help(tools.server_everything.get_sum)\ntools.server_everything.get_sum(a=2, b=40)",
        );
        assert.equal(r.ok, true, r.text);
        assert.equal(r.result, "The sum of 2 and 40 is 42.");
        assert.match(r.stdout, /get_sum\(\*, a: float, b: float\)/);
        assert.match(r.stdout, /Upstream tool: "get-sum"/);
      });

      await t.step("an upstream error raises ToolError", async () => {
        const r = await execute(
          server,
          `try:\n    tools.filesystem.read_text_file(path=${
            JSON.stringify(`${dir}/missing.txt`)
          })\n` +
            "except ToolError as e:\n    result = [e.server, e.tool, e.code, 'ENOENT' in str(e)]",
        );
        assert.deepEqual(r.result, ["filesystem", "read_text_file", "TOOL_ERROR", true]);
      });

      await t.step("a bad argument is refused before any upstream call, naming it", async () => {
        const r = await execute(
          server,
          "try:\n    tools.memory.create_entities(entities=[{'name': 'Bob', 'entityType': 7, 'observations': []}])\n" +
            "except ToolError as e:\n    print(e.code, e)\n" +
            "[e['name'] for e in tools.memory.read_graph()['entities']]",
        );
        assert.equal(r.ok, true, r.text);
        assert.match(r.stdout, /INVALID_ARGUMENTS .*entityType/);
        assert.match(r.stdout, /help\(tools\.memory\.create_entities\)/);
        assert.ok(!(r.result as string[]).includes("Bob"), "the upstream was not called");
      });

      await t.step(
        "a misspelt argument is named as unknown, with the one it resembles",
        async () => {
          const r = await execute(
            server,
            "try:\n    tools.filesystem.read_text_file(pathh='notes.txt')\n" +
              "except ToolError as e:\n    print(e.code, e)",
          );
          assert.equal(r.ok, true, r.text);
          assert.match(
            r.stdout,
            /INVALID_ARGUMENTS Invalid arguments for tools\.filesystem\.read_text_file: unknown argument "pathh" \(did you mean "path"\?\); missing required argument "path"\. Expected read_text_file\(/,
          );
        },
      );

      await t.step("a denied tool cannot be called", async () => {
        const r = await execute(
          server,
          `tools.filesystem.write_file(path=${JSON.stringify(`${dir}/x.txt`)}, content='x')`,
        );
        assert.equal(r.error?.type, "AttributeError");
        assert.match(r.error?.message ?? "", /no tool 'write_file'/);
        assert.throws(() => Deno.statSync(`${dir}/x.txt`));
        const search = await server.client.callTool({
          name: "search_tools",
          arguments: { query: "write file" },
        });
        assert.doesNotMatch(JSON.stringify(search), /write_file/);
      });

      await t.step("search_tools ranks by name and description", async () => {
        const ask = async (query: string, detail?: string) => {
          const r = await server.client.callTool({
            name: "search_tools",
            arguments: { query, ...(detail ? { detail } : {}) },
          });
          return r as unknown as {
            content: { text: string }[];
            structuredContent: { results: { python: string }[] };
          };
        };
        assert.equal(
          (await ask("add two numbers sum")).structuredContent.results[0].python,
          "tools.server_everything.get_sum",
        );
        assert.equal(
          (await ask("create entities in the knowledge graph")).structuredContent.results[0].python,
          "tools.memory.create_entities",
        );
        const listing = (await ask("list directory contents")).structuredContent.results.slice(0, 3)
          .map((x) => x.python);
        assert.ok(listing.includes("tools.filesystem.list_directory"), listing.join());
        const read = (await ask("read file")).structuredContent.results.map((x) => x.python);
        assert.equal(read[0], "tools.filesystem.read_text_file", read.join());
        const deprecated = read.indexOf("tools.filesystem.read_file");
        assert.ok(deprecated === -1 || deprecated === read.length - 1, read.join());
        const full = await ask("get_sum", "full");
        assert.match(full.content[0].text, /def get_sum\(\*, a: float, b: float\)/);
        assert.match(full.content[0].text, /"""/);
        const names = await ask("file", "names");
        assert.match(names.content[0].text, /^tools\.filesystem: \w+ \w+/m);
      });

      await t.step(
        "the broken server does not stop the others and is unavailable in Python",
        async () => {
          const r = await execute(server, "tools.broken.anything()");
          assert.equal(r.ok, false);
          assert.equal(r.error?.code, "UPSTREAM_UNAVAILABLE", r.text);
          const notFound =
            /the command "\/nonexistent\/mcp-server" was not found \(servers\.broken\.command\)/;
          assert.match(r.error?.message ?? "", /"broken" is unavailable \(/);
          assert.match(r.error?.message ?? "", notFound);
          assert.match(server.stderr(), /Upstream "broken" is unavailable: /);
          assert.match(server.stderr(), notFound);
        },
      );

      await t.step(
        "an upstream killed mid-call is UPSTREAM_UNAVAILABLE, then it recovers",
        async () => {
          let everything: number | undefined;
          let seen: string[] = [];
          const find = async () => {
            seen = [];
            for (const pid of await descendants(server.pid)) {
              const line = await commandLine(pid);
              seen.push(`${pid}: ${line.slice(0, 160)}`);
              if (line.includes(PACKAGES.everything)) everything = pid;
            }
            return everything !== undefined;
          };
          await waitFor(find, "server-everything's process", 10_000).catch(() => {});
          assert.ok(everything, `server-everything is not among:\n${seen.join("\n")}`);
          // The operation reports each of its 5 steps; the first report, passed on to us as
          // execute_code's progress, proves the call is in flight at the upstream.
          const reports: string[] = [];
          let reported!: () => void;
          const firstReport = new Promise<void>((resolve) => (reported = resolve));
          const running = execute(
            server,
            "tools.server_everything.trigger_long_running_operation(duration=10, steps=5)",
            30_000,
            {
              onprogress: ({ progress, message }) => {
                reports.push(`${progress} ${message}`);
                reported();
              },
            },
          );
          const first = await Promise.race([
            firstReport.then(() => "reported"),
            running.then((r) => `ended first: ${r.text}`),
          ]);
          assert.equal(first, "reported");
          assert.equal(reports[0], "1 server-everything.trigger-long-running-operation: 1/5");
          Deno.kill(everything, "SIGKILL");
          const r = await running;
          assert.equal(r.error?.code, "UPSTREAM_UNAVAILABLE", r.text);
          const again = await execute(server, "tools.server_everything.get_sum(a=1, b=2)");
          assert.equal(again.ok, true, again.text);
          assert.equal(again.result, "The sum of 1 and 2 is 3.");
        },
      );

      await t.step("shutdown ends every upstream process", async () => {
        const tree = await descendants(server.pid);
        assert.ok(tree.length >= 3, `expected upstream and sandbox children, saw ${tree.length}`);
        await server.close();
        for (const pid of tree) {
          assert.ok(
            await waitForExit(pid, 10_000),
            `process ${pid} (${await commandLine(pid)}) was left`,
          );
        }
      });
    } finally {
      await server.close().catch(() => {});
      Deno.removeSync(dir, { recursive: true });
    }
  },
});
