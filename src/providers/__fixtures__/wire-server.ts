import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A local upstream that speaks the OpenAI and Anthropic wire formats byte for byte, replaying the
 * SSE transcripts in this folder and scripted failures. Each path has a queue of replies; when the
 * queue is empty the path's standing reply (if any) answers.
 */
export type Reply =
  | { sse: string; cutAfter?: number; hangAfter?: number }
  | { status: number; body: unknown; headers?: Record<string, string> }
  | { delayMs: number; then: Reply };

export interface RecordedRequest {
  path: string;
  headers: Headers;
  body: any;
}

export interface WireServer {
  url: string;
  requests: RecordedRequest[];
  /** Requests whose client went away before the reply ended. */
  disconnects: string[];
  script(path: string, ...replies: Reply[]): void;
  always(path: string, reply: Reply): void;
  hits(path: string): number;
  stop(): void;
}

export function frames(fixture: string): string[] {
  const text = readFileSync(join(import.meta.dir, fixture), 'utf8');
  return text
    .split('\n\n')
    .filter((f) => f.trim())
    .map((f) => f + '\n\n');
}

export function openAIError(status: number, message: string, type = 'server_error'): Reply {
  return { status, body: { error: { message, type, param: null, code: null } } };
}

export function anthropicError(status: number, type: string, message: string): Reply {
  return { status, body: { type: 'error', error: { type, message }, request_id: 'req_011CSHoEeqs5C35K2UUqR7Fy' } };
}

function sseResponse(reply: { sse: string; cutAfter?: number; hangAfter?: number }, signal: AbortSignal): Response {
  const all = frames(reply.sse);
  const stopAt = reply.cutAfter ?? reply.hangAfter ?? all.length;
  const encoder = new TextEncoder();
  const body = new ReadableStream({
    async start(controller) {
      for (const frame of all.slice(0, stopAt)) {
        controller.enqueue(encoder.encode(frame));
        await Bun.sleep(1);
      }
      if (reply.cutAfter !== undefined) return controller.error(new Error('connection cut by test upstream'));
      if (reply.hangAfter !== undefined) {
        await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
        return;
      }
      controller.close();
    },
  });
  return new Response(body, { headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' } });
}

async function respond(reply: Reply, signal: AbortSignal): Promise<Response> {
  if ('delayMs' in reply) {
    await Bun.sleep(reply.delayMs);
    return respond(reply.then, signal);
  }
  if ('sse' in reply) return sseResponse(reply, signal);
  return Response.json(reply.body, { status: reply.status, headers: reply.headers });
}

export function startWireServer(): WireServer {
  const queues = new Map<string, Reply[]>();
  const standing = new Map<string, Reply>();
  const requests: RecordedRequest[] = [];
  const disconnects: string[] = [];
  const server = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    async fetch(req) {
      const path = new URL(req.url).pathname;
      let finished = false;
      req.signal.addEventListener('abort', () => {
        if (!finished) disconnects.push(path);
      });
      const body = req.method === 'POST' ? await req.json() : undefined;
      requests.push({ path, headers: new Headers(req.headers), body });
      const reply = queues.get(path)?.shift() ?? standing.get(path);
      if (!reply) return Response.json({ error: { message: `no reply scripted for ${path}` } }, { status: 404 });
      const res = await respond(reply, req.signal);
      if (!('sse' in reply)) finished = true;
      return res;
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}`,
    requests,
    disconnects,
    script(path, ...replies) {
      queues.set(path, [...(queues.get(path) ?? []), ...replies]);
    },
    always(path, reply) {
      standing.set(path, reply);
    },
    hits: (path) => requests.filter((r) => r.path === path).length,
    stop: () => server.stop(true),
  };
}
