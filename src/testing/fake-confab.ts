/**
 * A stand-in for Confab itself, speaking its chat, `/v1` SSE and WebSocket formats with scripted
 * timing, so the load generator's measurements can be checked against known delays.
 */
import type { ServerWebSocket } from 'bun';
import { type Scripted, scripted } from './scripted-servers';

export interface ConfabScript {
  ttftMs: number;
  itlMs: number;
  tokens: number;
  /** Output tokens the server reports in usage (may differ from the number of deltas). */
  usageTokens: number;
}

export interface FakeConfab extends Scripted {
  /** Authorization headers seen on /api/chat, /v1 and /ws requests. */
  authorizations: string[];
}

/** Confab's API shapes with scripted timing, including sign-up and key creation. */
export function startFakeConfab(script: ConfabScript): FakeConfab {
  const authorizations: string[] = [];
  const usage = { promptTokens: 3, completionTokens: script.usageTokens };
  const server = Bun.serve<{ auth: string }>({
    port: 0,
    hostname: '127.0.0.1',
    async fetch(req, srv) {
      const path = new URL(req.url).pathname;
      if (path === '/api/auth/signup') {
        return Response.json({ id: 'u1' }, { status: 201, headers: { 'set-cookie': 'confab_session=s3cret; HttpOnly; Path=/' } });
      }
      if (path === '/api/keys') {
        if (req.headers.get('cookie') !== 'confab_session=s3cret')
          return Response.json({ error: { code: 'unauthorized' } }, { status: 401 });
        return Response.json({ id: 'k1', key: 'cf_test_key', name: 'loadgen' }, { status: 201 });
      }
      authorizations.push(req.headers.get('authorization') ?? '');
      if (path === '/ws/chat' && srv.upgrade(req, { data: { auth: req.headers.get('authorization') ?? '' } })) return undefined;
      if (path === '/api/chat') {
        await Bun.sleep(script.ttftMs + script.itlMs * (script.tokens - 1));
        return Response.json({ conversationId: 'c1', message: { id: 'm1', role: 'assistant', content: 'x', usage } });
      }
      if (path === '/v1/chat/completions') return new Response(sseStream(script), { headers: { 'content-type': 'text/event-stream' } });
      return new Response('not found', { status: 404 });
    },
    websocket: {
      message(ws: ServerWebSocket<{ auth: string }>, raw) {
        const frame = JSON.parse(String(raw)) as { requestId: string };
        void streamFrames(ws, frame.requestId, script, usage);
      },
    },
  });
  return { ...scripted(server), authorizations };
}

function sseStream(script: ConfabScript): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  const chunk = (body: object) => enc.encode(`data: ${JSON.stringify(body)}\n\n`);
  return new ReadableStream({
    async start(controller) {
      controller.enqueue(chunk({ choices: [{ index: 0, delta: { role: 'assistant', content: '' } }] }));
      await Bun.sleep(script.ttftMs);
      for (let i = 0; i < script.tokens; i++) {
        if (i > 0) await Bun.sleep(script.itlMs);
        controller.enqueue(chunk({ choices: [{ index: 0, delta: { content: `t${i} ` } }] }));
      }
      controller.enqueue(chunk({ choices: [], usage: { completion_tokens: script.usageTokens } }));
      controller.enqueue(enc.encode('data: [DONE]\n\n'));
      controller.close();
    },
  });
}

async function streamFrames(ws: ServerWebSocket<{ auth: string }>, requestId: string, script: ConfabScript, usage: object) {
  let seq = 0;
  const send = (frame: object) => ws.send(JSON.stringify({ ...frame, requestId, seq: seq++ }));
  send({ type: 'start' });
  await Bun.sleep(script.ttftMs);
  for (let i = 0; i < script.tokens; i++) {
    if (i > 0) await Bun.sleep(script.itlMs);
    send({ type: 'token', delta: `t${i} ` });
  }
  send({ type: 'done', usage, finishReason: 'stop' });
}
