/**
 * The documentation cannot drift from the code: the committed configuration reference is exactly
 * what `deno task docs` renders from the zod schema, every config key has a description, and every
 * relative link in README.md and docs/*.md points at a file (and heading) that exists, and the
 * README's minimal configuration is one the server accepts.
 */
import assert from "node:assert/strict";
import { dirname, join, relative } from "node:path";
import {
  configJsonSchema,
  missingDescriptions,
  REFERENCE_PATH,
  renderConfigReference,
} from "../scripts/config_reference.ts";
import { root } from "../support/server.ts";
import { parseConfig } from "../src/config.ts";

Deno.test("the committed configuration reference is what deno task docs renders", async () => {
  const committed = await Deno.readTextFile(join(root, REFERENCE_PATH));
  const rendered = await renderConfigReference();
  assert.ok(
    committed === rendered,
    `${REFERENCE_PATH} differs from the schema's descriptions; run \`deno task docs\``,
  );
});

Deno.test("every configuration key has a description", () => {
  assert.deepEqual(missingDescriptions(), []);
});

Deno.test("a key without a description is found", () => {
  const schema = configJsonSchema();
  const sandbox = schema.properties!.sandbox!.properties!;
  delete sandbox.pool_size!.description;
  const servers = schema.properties!.servers!.additionalProperties;
  assert.ok(typeof servers === "object");
  delete servers.anyOf![1]!.properties!.url!.description;
  assert.deepEqual(missingDescriptions(schema).sort(), ["sandbox.pool_size", "servers.<name>.url"]);
});

/** README.md and every markdown file under docs/. */
function markdownFiles(): string[] {
  const docs = [...Deno.readDirSync(join(root, "docs"))]
    .filter((e) => e.isFile && e.name.endsWith(".md"))
    .map((e) => join(root, "docs", e.name));
  return [join(root, "README.md"), ...docs];
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to dashes. */
function slug(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, "").replace(/ /g, "-");
}

function anchors(file: string): Set<string> {
  const text = Deno.readTextFileSync(file).replace(/```[\s\S]*?```/g, "");
  return new Set(
    [...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1]!)),
  );
}

/** The relative links of a markdown file (code blocks and inline code left out). */
function links(file: string): string[] {
  const text = Deno.readTextFileSync(file).replace(/```[\s\S]*?```/g, "").replace(/`[^`\n]*`/g, "");
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!)
    .filter((target) => !/^[a-z]+:/i.test(target));
}

Deno.test("every relative link in README.md and docs/ points at a file and heading that exist", () => {
  const broken: string[] = [];
  for (const file of markdownFiles()) {
    for (const target of links(file)) {
      const [path, anchor] = target.split("#") as [string, string | undefined];
      const resolved = path ? join(dirname(file), path) : file;
      const where = `${relative(root, file)} → ${target}`;
      let exists = false;
      try {
        Deno.statSync(resolved);
        exists = true;
      } catch {
        broken.push(`${where}: no such file`);
      }
      if (exists && anchor && resolved.endsWith(".md") && !anchors(resolved).has(anchor)) {
        broken.push(`${where}: no such heading`);
      }
    }
  }
  assert.deepEqual(broken, []);
});

Deno.test("the README's minimal configuration is valid and names the workspace it uses", () => {
  const readme = Deno.readTextFileSync(join(root, "README.md"));
  const section = readme.slice(readme.indexOf("\n## Configuring\n"));
  const json = /```json\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(json, 'no JSON block under "## Configuring" in README.md');
  const parsed = parseConfig(json, { path: join(root, "mcp_servers.json"), env: () => undefined });
  assert.ok(parsed.ok, parsed.ok ? "" : parsed.message);
  const server = parsed.config.servers.filesystem;
  assert.ok(server && "command" in server);
  assert.ok(server.args.includes(join(root, "workspace")), server.args.join(" "));
});
