/**
 * Finds the Python program in an LLM reply: the first fenced block marked python (or py), else the
 * longest fenced block, else the whole reply when it reads as code.
 */

const FENCE = /```([A-Za-z0-9_+-]*)[^\n]*\n([\s\S]*?)```/g;

/** The code in `reply`, or null when there is none. */
export function extractCode(reply: string): string | null {
  const blocks = [...reply.matchAll(FENCE)].map((m) => ({ lang: m[1].toLowerCase(), code: m[2] }));
  const python = blocks.find((b) => b.lang === "python" || b.lang === "py" || b.lang === "python3");
  if (python && python.code.trim()) return python.code.trimEnd();
  const longest =
    blocks.filter((b) => b.code.trim()).sort((a, b) => b.code.length - a.code.length)[0];
  if (longest) return longest.code.trimEnd();
  const bare = reply.trim();
  return looksLikePython(bare) ? bare : null;
}

function looksLikePython(text: string): boolean {
  if (!text) return false;
  const lines = text.split("\n").filter((l) => l.trim() && !l.trim().startsWith("#"));
  if (!lines.length) return false;
  const codeLike = lines.filter((l) =>
    /^(\s|import |from |def |class |async |await |for |while |if |elif |else:|try:|except|with |return |print\(|result\s*=|[A-Za-z_][A-Za-z0-9_.]*\s*(=|\())/
      .test(l)
  );
  return codeLike.length / lines.length >= 0.8;
}
