/**
 * Local servers with scripted behaviour that loadgen's tests measure: known delays, a pause,
 * raw-socket faults, and an LLM server speaking Confab's chat, SSE and WebSocket formats.
 */
import type { Server, ServerWebSocket, TCPSocketListener } from 'bun';

export interface Scripted {
  url: string;
  stop(): void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Request i waits delays[i % delays.length] milliseconds. */
export function delayServer(delays: number[]): Scripted {
  let index = 0;
  const server = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    async fetch() {
      await sleep(delays[index++ % delays.length]);
      return new Response('ok');
    },
  });
  return scripted(server);
}

/** Answers at once, except that request number `at` freezes every answer for `pauseMs`. */
export function pausingServer(at: number, pauseMs: number): Scripted {
  let index = 0;
  let pausedUntil = 0;
  const server = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    async fetch() {
      if (++index === at) pausedUntil = performance.now() + pauseMs;
      const wait = pausedUntil - performance.now();
      if (wait > 0) await sleep(wait);
      return new Response('ok');
    },
  });
  return scripted(server);
}

export type RawAction = 'ok' | 'close-mid-body' | 'hang' | number;

/** A raw TCP HTTP/1.1 server: request i gets script(i): a status, a dropped connection, or silence. */
export function rawServer(script: (index: number) => RawAction): Scripted {
  let index = 0;
  const listener: TCPSocketListener<undefined> = Bun.listen({
    hostname: '127.0.0.1',
    port: 0,
    socket: {
      data(socket) {
        const action = script(index++);
        if (action === 'hang') return;
        if (action === 'close-mid-body') {
          socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial');
          socket.end();
          return;
        }
        const status = action === 'ok' ? 200 : action;
        socket.write(`HTTP/1.1 ${status} X\r\nContent-Length: 2\r\n\r\nok`);
      },
    },
  });
  return { url: `http://127.0.0.1:${listener.port}/`, stop: () => listener.stop(true) };
}

export interface LlmScript {
  ttftMs: number;
  itlMs: number;
  tokens: number;
  /** Output tokens the server reports in usage (may differ from the number of deltas). */
  usageTokens: number;
}

export interface LlmServer extends Scripted {
  /** Authorization headers seen on /api/chat, /v1 and /ws requests. */
  authorizations: string[];
}

/** Confab's API shapes with scripted timing, including sign-up and key creation. */
export function llmServer(script: LlmScript): LlmServer {
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
        await sleep(script.ttftMs + script.itlMs * (script.tokens - 1));
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

function sseStream(script: LlmScript): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  const chunk = (body: object) => enc.encode(`data: ${JSON.stringify(body)}\n\n`);
  return new ReadableStream({
    async start(controller) {
      controller.enqueue(chunk({ choices: [{ index: 0, delta: { role: 'assistant', content: '' } }] }));
      await sleep(script.ttftMs);
      for (let i = 0; i < script.tokens; i++) {
        if (i > 0) await sleep(script.itlMs);
        controller.enqueue(chunk({ choices: [{ index: 0, delta: { content: `t${i} ` } }] }));
      }
      controller.enqueue(chunk({ choices: [], usage: { completion_tokens: script.usageTokens } }));
      controller.enqueue(enc.encode('data: [DONE]\n\n'));
      controller.close();
    },
  });
}

async function streamFrames(ws: ServerWebSocket<{ auth: string }>, requestId: string, script: LlmScript, usage: object) {
  let seq = 0;
  const send = (frame: object) => ws.send(JSON.stringify({ ...frame, requestId, seq: seq++ }));
  send({ type: 'start' });
  await sleep(script.ttftMs);
  for (let i = 0; i < script.tokens; i++) {
    if (i > 0) await sleep(script.itlMs);
    send({ type: 'token', delta: `t${i} ` });
  }
  send({ type: 'done', usage, finishReason: 'stop' });
}

function scripted(server: Server<unknown>): Scripted {
  return { url: `http://127.0.0.1:${server.port}`, stop: () => void server.stop(true) };
}
