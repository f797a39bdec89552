/**
 * `help()` inside the sandbox: on a tool (and its `.aio`), on a server namespace and on `tools` it
 * prints the signature and docstring straight away (Python's pydoc, which took over a second to
 * load, is not involved); on anything else it is Python's own help. Real executor, real child.
 */
import assert from "node:assert/strict";
import { SandboxConfigSchema } from "../../src/config.ts";
import type { ToolDispatcher, ToolRef } from "../../src/contracts.ts";
import { defaultPolicy } from "../../src/policy/policy_config.ts";
import { Executor } from "../../src/sandbox_host/executor.ts";

const TOOLS: ToolRef[] = [
  {
    server: "files",
    tool: "read-file",
    py_server: "files",
    py_name: "read_file",
    doc: 'Read a file.\n\nArgs:\n    path: where it is\n\nUpstream tool: "read-file".',
    signature: "(*, path: str, head: int | None = None) -> str",
  },
  {
    server: "files",
    tool: "stat",
    py_server: "files",
    py_name: "stat",
    doc: "Size and dates of a file.",
    signature: "(*, path: str) -> dict",
  },
  { server: "memory", tool: "read_graph", py_server: "memory", py_name: "read_graph", doc: "" },
  {
    server: "broken",
    tool: "",
    py_server: "broken",
    py_name: "",
    doc: "",
    unavailable: 'Upstream "broken" is unavailable: it exited with code 1',
  },
];

const dispatcher: ToolDispatcher = {
  catalog: () => TOOLS,
  call: () => Promise.resolve({ ok: true, value: null }),
};

Deno.test({
  name: "help() prints tools' signatures and docstrings without pydoc",
  // The executor's children are processes owned by its pool; it is closed at the end.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const created = await Executor.create(SandboxConfigSchema.parse({ pool_size: 1 }), {
      dispatcher,
      policy: { ...defaultPolicy(), enabled: false },
    });
    assert.ok(created.ok, created.ok ? "" : created.message);
    const executor = created.executor;
    const run = async (code: string) => {
      const r = await executor.execute(code);
      assert.equal(r.ok, true, JSON.stringify(r.error));
      return r;
    };
    try {
      await t.step("a tool: qualified signature and the whole docstring", async () => {
        const r = await run("help(tools.files.read_file)\nimport sys\n'pydoc' in sys.modules");
        assert.equal(
          r.stdout,
          "Help on tool tools.files.read_file:\n\n" +
            "tools.files.read_file(*, path: str, head: int | None = None) -> str\n" +
            '    Read a file.\n\n    Args:\n        path: where it is\n\n    Upstream tool: "read-file".\n',
        );
        assert.equal(r.result, false, "pydoc was loaded");
      });

      await t.step("its .aio form, and a tool without signature or docstring", async () => {
        const r = await run("help(tools.files.stat.aio)\nhelp(tools.memory.read_graph)");
        assert.equal(
          r.stdout,
          "Help on tool tools.files.stat.aio:\n\n" +
            "async tools.files.stat.aio(*, path: str) -> dict\n    Size and dates of a file.\n" +
            "Help on tool tools.memory.read_graph:\n\n" +
            "tools.memory.read_graph(*args, **kwargs)\n    (no description)\n",
        );
      });

      await t.step("a server: each tool's signature and first line", async () => {
        const r = await run("help(tools.files)");
        assert.equal(
          r.stdout,
          "Help on tools.files (2 tools):\n\n" +
            "tools.files.read_file(*, path: str, head: int | None = None) -> str\n" +
            "    Read a file.\n" +
            "tools.files.stat(*, path: str) -> dict\n" +
            "    Size and dates of a file.\n\n" +
            "help(tools.files.<tool>) shows a tool's whole docstring.\n",
        );
      });

      await t.step("tools: the servers and their tools", async () => {
        const r = await run("help(tools)");
        assert.equal(
          r.stdout,
          "Help on tools (3 servers):\n\n" +
            'tools.broken: unavailable (Upstream "broken" is unavailable: it exited with code 1)\n' +
            "tools.files: read_file, stat\n" +
            "tools.memory: read_graph\n\n" +
            "help(tools.<server>) lists a server's tools with their signatures.\n",
        );
      });

      await t.step("an unavailable server says why", async () => {
        const r = await run("help(tools.broken)");
        assert.equal(
          r.stdout,
          '<tools.broken: unavailable>: Upstream "broken" is unavailable: it exited with code 1\n',
        );
      });

      await t.step("anything else is Python's own help", async () => {
        const r = await run(
          "def area(w, h):\n    'Width times height.'\n    return w * h\nhelp(area)",
        );
        assert.match(r.stdout, /^Help on function area in module __main__:\n\narea\(w, h\)\n/);
        assert.match(r.stdout, /Width times height\./);
      });
    } finally {
      await executor.close();
    }
  },
});
