import type { ScriptedAnswer } from './answer';
import { anthropicError, anthropicMessages, anthropicModels } from './anthropic';
import { DEFAULT_BEHAVIOUR, type FakeBehaviour, type UpstreamState } from './behaviour';
import { openaiChat, openaiEmbeddings, openaiError, openaiModels } from './openai';
import { isDelayed, isRaw, isReplay, type RecordedRequest, type Reply, ReplyScript, rawResponse, replayResponse } from './replies';

export type { FakeToolCall, ScriptedAnswer } from './answer';
export { anthropicErrorReply } from './anthropic';
export type { FakeBehaviour, FakeError } from './behaviour';
export { openaiErrorReply } from './openai';
export type { RawReply, RecordedRequest, ReplayReply, Reply } from './replies';

export interface FakeUpstreamOptions extends Partial<FakeBehaviour> {
  /** 0 (default) picks a free port. */
  port?: number;
  hostname?: string;
  /** Served by /v1/models; the first is the answer's model when a request names none. */
  models?: string[];
  embeddingDims?: number;
  /** When set, requests must carry it: `Authorization: Bearer` (OpenAI) or `x-api-key` (Anthropic). */
  apiKey?: string | null;
  /** Keeps every request and notes every client that left early (`requests`, `disconnects`). */
  record?: boolean;
  /** The folder `{ sse }` replies name their transcripts in: the test's own `__fixtures__/`. */
  fixtures?: string;
  /**
   * The queue a request takes its scripted reply from, when not its path: requests a test cannot
   * order (a title asked for while the answer is) get a queue of their own.
   */
  queueOf?: (request: RecordedRequest) => string | undefined;
}

export interface FakeUpstream {
  /** Base URL without a path, e.g. http://127.0.0.1:9100 (OpenAI clients append /v1). */
  url: string;
  port: number;
  /** Changes server-wide behaviour for later requests (e.g. start failing with 429). */
  configure(patch: Partial<FakeBehaviour>): void;
  /** Queues replies for a path; each answers one request there, ahead of the generated answer. */
  script(path: string, ...replies: Reply[]): void;
  /** What a path answers once its queue is empty. */
  always(path: string, reply: Reply): void;
  /** Queued replies a path has not used yet. */
  pending(path: string): number;
  /** Requests received per method and path, e.g. `{"POST /v1/chat/completions": 3}`. */
  stats(): Record<string, number>;
  /** Requests received on a path, whatever the method. */
  hits(path: string): number;
  /** With `record`: every request, oldest first. */
  readonly requests: RecordedRequest[];
  /** With `record`: the path of every request whose client went away before the reply ended. */
  readonly disconnects: string[];
  /** Forgets counts, requests and disconnects; scripted replies stay. */
  reset(): void;
  stop(): Promise<void>;
}

type Handler = (req: Request, body: unknown, scripted?: ScriptedAnswer) => Response | Promise<Response>;

/**
 * Starts a server speaking the OpenAI and Anthropic wire formats. Unscripted requests get a
 * generated answer shaped by the behaviour (latency, length, injected failures); a test can script
 * any path's next replies. The wire format follows the path's tail from `/v1/`, so one server can
 * stand in for several providers under different prefixes (`/openai/v1`, `/anthropic/v1`).
 */
export async function startFakeUpstream(options: FakeUpstreamOptions = {}): Promise<FakeUpstream> {
  const { port = 0, hostname = '127.0.0.1', models, embeddingDims, apiKey, record = false, fixtures, queueOf, ...behaviour } = options;
  const state: UpstreamState = {
    behaviour: { ...DEFAULT_BEHAVIOUR, ...definedOnly(behaviour) },
    models: models && models.length > 0 ? models : ['fake-model'],
    embeddingDims: embeddingDims ?? 1536,
    apiKey: apiKey ?? null,
    counts: new Map(),
  };
  const script = new ReplyScript();
  const requests: RecordedRequest[] = [];
  const disconnects: string[] = [];
  const handlers: Record<string, Handler> = {
    'POST /v1/chat/completions': (req, body, scripted) => openaiChat(req, body, state, scripted),
    'POST /v1/messages': (req, body, scripted) => anthropicMessages(req, body, state, scripted),
    'POST /v1/embeddings': (req, body) => openaiEmbeddings(req, body, state),
    'GET /v1/models': (req) => (req.headers.has('anthropic-version') ? anthropicModels(state) : openaiModels(state)),
  };

  async function respond(req: Request, request: RecordedRequest, handler: Handler, reply: Reply | undefined): Promise<Response> {
    if (reply === undefined) return handler(req, request.body);
    if (typeof reply === 'function') return respond(req, request, handler, reply(request));
    if (isDelayed(reply)) {
      await Bun.sleep(reply.delayMs);
      return respond(req, request, handler, reply.then);
    }
    if (isReplay(reply)) return replayResponse(reply, fixtures ?? process.cwd(), req.signal);
    if (isRaw(reply)) return rawResponse(reply);
    return handler(req, request.body, reply);
  }

  async function serve(req: Request, path: string): Promise<Response> {
    const key = `${req.method} ${path}`;
    state.counts.set(key, (state.counts.get(key) ?? 0) + 1);
    const body = req.method === 'POST' ? await req.json().catch(() => null) : undefined;
    const tail = path.lastIndexOf('/v1/');
    const handler = handlers[tail > 0 ? `${req.method} ${path.slice(tail)}` : key] ?? notFound(path);
    if (!record && script.empty) return handler(req, body);
    const request: RecordedRequest = { method: req.method, path, headers: new Headers(req.headers), body };
    const queue = queueOf?.(request) ?? path;
    if (!record) return respond(req, request, handler, script.next(queue));
    requests.push(request);
    let finished = false;
    req.signal.addEventListener('abort', () => finished || disconnects.push(path), { once: true });
    const res = await respond(req, request, handler, script.next(queue));
    finished = !res.headers.get('content-type')?.startsWith('text/event-stream');
    return res;
  }

  const server = Bun.serve({
    port,
    hostname,
    // Stalls and slow streams must outlive Bun's default 10 s idle timeout.
    idleTimeout: 0,
    routes: {
      '/v1/chat/completions': { POST: (req) => serve(req, '/v1/chat/completions') },
      '/v1/messages': { POST: (req) => serve(req, '/v1/messages') },
      '/v1/embeddings': { POST: (req) => serve(req, '/v1/embeddings') },
      '/v1/models': { GET: (req) => serve(req, '/v1/models') },
      '/health': new Response('ok'),
    },
    fetch: (req) => serve(req, new URL(req.url).pathname),
  });
  return {
    url: `http://${hostname}:${server.port}`,
    port: server.port!,
    configure: (patch) => Object.assign(state.behaviour, definedOnly(patch)),
    script: (path, ...replies) => script.push(path, replies),
    always: (path, reply) => script.always(path, reply),
    pending: (path) => script.pending(path),
    stats: () => Object.fromEntries(state.counts),
    hits: (path) => [...state.counts].reduce((n, [key, hits]) => (key.slice(key.indexOf(' ') + 1) === path ? n + hits : n), 0),
    requests,
    disconnects,
    reset() {
      state.counts.clear();
      requests.length = 0;
      disconnects.length = 0;
    },
    stop: () => server.stop(true),
  };
}

function notFound(path: string): Handler {
  return (req) => {
    const message = `Invalid URL (${req.method} ${path})`;
    return req.headers.has('anthropic-version') ? anthropicError(404, message) : openaiError(404, message);
  };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
