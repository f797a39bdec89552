/**
 * Test support: a small OpenAI-compatible chat-completions endpoint on 127.0.0.1 with scripted
 * replies (a program, an HTTP error, or no answer at all), recording every request it receives.
 * It is the only fake in the test suite: the agent talks to it through the real `npm:openai`.
 */

/** One scripted answer. */
export type Script =
  | { content: string }
  | { status: number; body?: string }
  | { hang: true };

/** A running fake endpoint. */
export interface FakeLlm {
  /** Base URL for OPENAI_BASE_URL. */
  baseURL: string;
  /** Bodies of the chat-completion requests received, in order. */
  requests: Array<
    { model: string; messages: Array<{ role: string; content: string }>; [k: string]: unknown }
  >;
  /** Queues answers. */
  script: (...answers: Script[]) => void;
  close: () => Promise<void>;
}

/** Starts the fake endpoint. */
export function startFakeLlm(): FakeLlm {
  const queue: Script[] = [];
  const requests: FakeLlm["requests"] = [];
  const hanging = new Set<() => void>();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const url = new URL(req.url);
    if (req.method !== "POST" || !url.pathname.endsWith("/chat/completions")) {
      return new Response("not found", { status: 404 });
    }
    const body = await req.json();
    requests.push(body);
    const next = queue.shift() ??
      { status: 500, body: '{"error":{"message":"no scripted reply left"}}' };
    if ("hang" in next) {
      // Held until close(). Not released on request.signal: Deno.serve's legacy signal also
      // aborts on successful responses and warns when read (the "legacy abort" warning).
      await new Promise<void>((resolve) => hanging.add(resolve));
      return new Response("late", { status: 504 });
    }
    if ("status" in next) {
      return new Response(
        next.body ?? JSON.stringify({ error: { message: `scripted ${next.status}` } }),
        {
          status: next.status,
          headers: { "content-type": "application/json", "retry-after-ms": "10" },
        },
      );
    }
    return Response.json({
      id: `chatcmpl-${requests.length}`,
      object: "chat.completion",
      created: Math.floor(Date.now() / 1000),
      model: body.model,
      choices: [{
        index: 0,
        message: { role: "assistant", content: next.content },
        finish_reason: "stop",
      }],
      usage: { prompt_tokens: 100, completion_tokens: 20, total_tokens: 120 },
    });
  });
  return {
    baseURL: `http://127.0.0.1:${server.addr.port}/v1`,
    requests,
    script: (...answers) => queue.push(...answers),
    close: async () => {
      for (const resolve of hanging) resolve();
      await server.shutdown();
    },
  };
}
