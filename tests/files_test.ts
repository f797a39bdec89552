/**
 * Files through the real server and client: input files under /data (a CSV parsed with csv),
 * text and binary files out as embedded resources, structured `files` and MCP resources, refused
 * paths and sizes (INVALID_INPUT, nothing runs), the output cap, and the default policy letting
 * ordinary file code run.
 */
import assert from "node:assert/strict";
import { withServer } from "../support/server.ts";
import { run } from "../support/sessions.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

const CSV = "city,population\nOslo,709000\nBergen,291000\nTromsø,77000\n";

Deno.test({
  name: "input files are written under /data and read with csv, open and pathlib",
  ...opts,
  fn: () =>
    withServer({ config: { sandbox: { pool_size: 1 } } }, async ({ client }) => {
      const code = `import csv, json, pathlib, io
with open("in/cities.csv", newline="") as f:
    rows = list(csv.DictReader(f))
total = sum(int(r["population"]) for r in rows)
with open("summary.json", "w") as f:
    json.dump({"total": total}, f)
buffer = io.StringIO()
csv.writer(buffer).writerow(["a", "b"])
(str(pathlib.Path.cwd()), total, json.loads(pathlib.Path("summary.json").read_text()),
 [r["city"] for r in rows], buffer.getvalue())`;
      const r = await run(client, code, { files: { "in/cities.csv": CSV } });
      assert.equal(r.ok, true, r.text);
      assert.deepEqual(r.result, [
        "/data",
        1077000,
        { total: 1077000 },
        ["Oslo", "Bergen", "Tromsø"],
        "a,b\r\n",
      ]);
      assert.equal(r.files, undefined, "nothing was written under /data/out");
    }),
});

Deno.test({
  name: "files written under /data/out come back as resources (text and binary)",
  ...opts,
  fn: () =>
    withServer({ config: { sandbox: { pool_size: 1 } } }, async ({ client }) => {
      const code = `import pathlib
svg = '<svg xmlns="http://www.w3.org/2000/svg"><rect width="10" height="20"/></svg>'
pathlib.Path("out/charts").mkdir(parents=True, exist_ok=True)
pathlib.Path("out/charts/bar.svg").write_text(svg)
pathlib.Path("out/raw.bin").write_bytes(bytes(range(256)) * 4)
len(svg)`;
      const r = await run(client, code, { session: "plots" });
      assert.equal(r.ok, true, r.text);
      assert.deepEqual(r.files, [
        { path: "charts/bar.svg", bytes: r.result as number, mime_type: "image/svg+xml" },
        { path: "raw.bin", bytes: 1024, mime_type: "application/octet-stream" },
      ]);
      const resources = r.blocks.filter((b) => b.type === "resource").map((b) => b.resource!);
      assert.equal(resources.length, 2);
      const [svg, bin] = resources;
      assert.equal(svg.uri, "sandbox://plots/out/charts/bar.svg");
      assert.match(svg.text ?? "", /^<svg /);
      assert.equal(bin.uri, "sandbox://plots/out/raw.bin");
      const bytes = Uint8Array.from(atob(bin.blob ?? ""), (c) => c.charCodeAt(0));
      assert.equal(bytes.length, 1024);
      assert.equal(bytes[255], 255);

      const listed = await client.listResources();
      assert.deepEqual(listed.resources.map((x) => x.uri).sort(), [
        "sandbox://plots/out/charts/bar.svg",
        "sandbox://plots/out/raw.bin",
      ]);
      const read = await client.readResource({ uri: "sandbox://plots/out/charts/bar.svg" });
      assert.equal((read.contents[0] as { text: string }).text, svg.text);

      // Only what a run changed comes back; the session's /data persists.
      const again = await run(client, "open('out/raw.bin', 'rb').read()[:3].hex()", {
        session: "plots",
      });
      assert.equal(again.result, "000102");
      assert.equal(again.files, undefined, again.text);
      const changed = await run(client, "open('out/raw.bin', 'wb').write(b'x')", {
        session: "plots",
      });
      assert.deepEqual(changed.files, [
        { path: "raw.bin", bytes: 1, mime_type: "application/octet-stream" },
      ]);
      await assert.rejects(() => client.readResource({ uri: "sandbox://nope/out/raw.bin" }));
    }),
});

Deno.test({
  name: "refused input paths and sizes are INVALID_INPUT naming them, and nothing runs",
  ...opts,
  fn: () =>
    withServer(
      { config: { sandbox: { pool_size: 1 }, files: { max_input_bytes: 1000 } } },
      async ({ client }) => {
        const cases: Array<[Record<string, string>, RegExp]> = [
          [{ "/etc/passwd": "x" }, /"\/etc\/passwd".*absolute/],
          [{ "../up.txt": "x" }, /"\.\.\/up\.txt".*"\.\."/],
          [{ "a/../../b": "x" }, /"a\/\.\.\/\.\.\/b"/],
          [{ ["p".repeat(256)]: "x" }, /longer than 255 characters/],
          [{ "big.txt": "x".repeat(1001) }, /files\.max_input_bytes \(1000\)/],
        ];
        for (const [files, pattern] of cases) {
          const r = await run(client, "ran = True\nprint('ran')", { session: "guarded", files });
          assert.equal(r.error?.code, "INVALID_INPUT", r.text);
          assert.match(r.error!.message, pattern);
          assert.equal(r.stdout, "");
        }
        const after = await run(client, "ran", { session: "guarded" });
        assert.deepEqual(after.session, { id: "guarded", state: "new" }, "no session started");
        assert.match(after.error?.message ?? "", /NameError/);
        const fine = await run(client, "open('ok/a.txt').read()", {
          files: { ["ok/" + "a".repeat(200) + ".txt"]: "long", "ok/a.txt": "fine" },
        });
        assert.equal(fine.result, "fine", fine.text);
      },
    ),
});

Deno.test({
  name: "output files past files.max_output_bytes are listed as truncated, not embedded",
  ...opts,
  fn: () =>
    withServer(
      { config: { sandbox: { pool_size: 1 }, files: { max_output_bytes: 1000 } } },
      async ({ client }) => {
        const code = "open('out/small.txt', 'w').write('s' * 600)\n" +
          "open('out/z_large.txt', 'w').write('l' * 600)";
        const r = await run(client, code, { session: "cap" });
        assert.equal(r.ok, true, r.text);
        assert.deepEqual(r.files, [
          { path: "small.txt", bytes: 600, mime_type: "text/plain" },
          { path: "z_large.txt", bytes: 600, mime_type: "text/plain", truncated: true },
        ]);
        const embedded = r.blocks.filter((b) => b.type === "resource").map((b) => b.resource!.uri);
        assert.deepEqual(embedded, ["sandbox://cap/out/small.txt"]);
        await assert.rejects(
          () => client.readResource({ uri: "sandbox://cap/out/z_large.txt" }),
          /files\.max_output_bytes/,
        );
      },
    ),
});
