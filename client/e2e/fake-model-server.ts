/**
 * A local server speaking the OpenAI chat-completions wire format (the same SSE chunks an
 * OpenAI-compatible local server sends), answering with scripted text at a chosen pace, so the
 * UI can be driven through the real router with replies a test controls.
 */
export interface ScriptedReply {
  text: string;
  delayMs?: number;
  /** Streamed after the text, as a model calling a tool does. */
  toolCall?: { name: string; arguments: string };
  /** Ends the stream with OpenAI's in-band error event carrying this message, as an upstream failing mid-answer does. */
  failWith?: string;
}

export interface FakeModelServer {
  /** The `/v1` base for LOCAL_LLM_BASE_URL. */
  baseURL: string;
  /** The next answers, in order; when empty, `fallbackReply` answers. */
  replies: ScriptedReply[];
  fallbackReply: ScriptedReply;
  stop(): void;
}

const encoder = new TextEncoder();

function chunk(id: string, model: string, delta: Record<string, unknown>, finish: string | null): Uint8Array {
  const body = {
    id,
    object: 'chat.completion.chunk',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, delta, finish_reason: finish }],
  };
  return encoder.encode(`data: ${JSON.stringify(body)}\n\n`);
}

function streamReply(model: string, reply: ScriptedReply, signal: AbortSignal, withUsage: boolean): Response {
  const id = `chatcmpl-${crypto.randomUUID().slice(0, 12)}`;
  const pieces = reply.text.match(/\s*\S+|\s+$/g) ?? [];
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      controller.enqueue(chunk(id, model, { role: 'assistant', content: '' }, null));
      for (const piece of pieces) {
        if (signal.aborted) return controller.close();
        if (reply.delayMs) await Bun.sleep(reply.delayMs);
        controller.enqueue(chunk(id, model, { content: piece }, null));
      }
      if (reply.toolCall) {
        const call = { index: 0, id: 'call_1', type: 'function', function: reply.toolCall };
        controller.enqueue(chunk(id, model, { tool_calls: [call] }, null));
      }
      if (reply.failWith) {
        controller.enqueue(encoder.encode(`data: ${JSON.stringify({ error: { message: reply.failWith, type: 'server_error' } })}\n\n`));
        return controller.close();
      }
      controller.enqueue(chunk(id, model, {}, 'stop'));
      if (withUsage) {
        const usage = { prompt_tokens: 20, completion_tokens: pieces.length, total_tokens: 20 + pieces.length };
        controller.enqueue(
          encoder.encode(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: 0, model, choices: [], usage })}\n\n`),
        );
      }
      controller.enqueue(encoder.encode('data: [DONE]\n\n'));
      controller.close();
    },
  });
  return new Response(body, { headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' } });
}

export function startFakeModelServer(models = ['scripted']): FakeModelServer {
  const state: FakeModelServer = {
    baseURL: '',
    replies: [],
    fallbackReply: { text: 'Hello from the scripted model.' },
    stop: () => server.stop(true),
  };
  const server = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    idleTimeout: 0,
    async fetch(req) {
      const path = new URL(req.url).pathname;
      if (path === '/v1/models')
        return Response.json({ object: 'list', data: models.map((id) => ({ id, object: 'model', created: 0, owned_by: 'test' })) });
      if (path !== '/v1/chat/completions' || req.method !== 'POST')
        return Response.json({ error: { message: 'not found', type: 'invalid_request_error' } }, { status: 404 });
      const body = (await req.json()) as { model: string; stream?: boolean; stream_options?: { include_usage?: boolean } };
      const reply = state.replies.shift() ?? state.fallbackReply;
      if (body.stream) return streamReply(body.model, reply, req.signal, Boolean(body.stream_options?.include_usage));
      return Response.json({
        id: 'chatcmpl-1',
        object: 'chat.completion',
        created: 0,
        model: body.model,
        choices: [{ index: 0, message: { role: 'assistant', content: reply.text }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 20, completion_tokens: 5, total_tokens: 25 },
      });
    },
  });
  state.baseURL = `http://127.0.0.1:${server.port}/v1`;
  return state;
}
