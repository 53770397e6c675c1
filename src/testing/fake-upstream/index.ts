import { anthropicError, anthropicMessages, anthropicModels } from './anthropic';
import { DEFAULT_BEHAVIOUR, type FakeBehaviour, type UpstreamState } from './behaviour';
import { openaiChat, openaiEmbeddings, openaiError, openaiModels } from './openai';

export type { FakeBehaviour, FakeError } from './behaviour';

export interface FakeUpstreamOptions extends Partial<FakeBehaviour> {
  /** 0 (default) picks a free port. */
  port?: number;
  hostname?: string;
  /** Served by /v1/models; the first is the answer's model when a request names none. */
  models?: string[];
  embeddingDims?: number;
  /** When set, requests must carry it: `Authorization: Bearer` (OpenAI) or `x-api-key` (Anthropic). */
  apiKey?: string | null;
}

export interface FakeUpstream {
  /** Base URL without a path, e.g. http://127.0.0.1:9100 (OpenAI clients append /v1). */
  url: string;
  port: number;
  /** Changes server-wide behaviour for later requests (e.g. start failing with 429). */
  configure(patch: Partial<FakeBehaviour>): void;
  /** Requests received per route, e.g. `{"POST /v1/chat/completions": 3}`. */
  stats(): Record<string, number>;
  stop(): Promise<void>;
}

/** Starts an OpenAI- and Anthropic-compatible server with scripted latency and failures. */
export async function startFakeUpstream(options: FakeUpstreamOptions = {}): Promise<FakeUpstream> {
  const { port = 0, hostname = '127.0.0.1', models, embeddingDims, apiKey, ...behaviour } = options;
  const state: UpstreamState = {
    behaviour: { ...DEFAULT_BEHAVIOUR, ...definedOnly(behaviour) },
    models: models && models.length > 0 ? models : ['fake-model'],
    embeddingDims: embeddingDims ?? 1536,
    apiKey: apiKey ?? null,
    counts: new Map(),
  };
  const count = (route: string) => state.counts.set(route, (state.counts.get(route) ?? 0) + 1);
  const server = Bun.serve({
    port,
    hostname,
    // Stalls and slow streams must outlive Bun's default 10 s idle timeout.
    idleTimeout: 0,
    routes: {
      '/v1/chat/completions': {
        POST: (req) => (count('POST /v1/chat/completions'), openaiChat(req, state)),
      },
      '/v1/messages': {
        POST: (req) => (count('POST /v1/messages'), anthropicMessages(req, state)),
      },
      '/v1/embeddings': {
        POST: (req) => (count('POST /v1/embeddings'), openaiEmbeddings(req, state)),
      },
      '/v1/models': {
        GET: (req) => {
          count('GET /v1/models');
          return req.headers.has('anthropic-version') ? anthropicModels(state) : openaiModels(state);
        },
      },
      '/health': new Response('ok'),
    },
    fetch(req) {
      const url = new URL(req.url);
      count(`${req.method} ${url.pathname}`);
      const message = `Invalid URL (${req.method} ${url.pathname})`;
      return req.headers.has('anthropic-version') ? anthropicError(404, message) : openaiError(404, message);
    },
  });
  return {
    url: `http://${hostname}:${server.port}`,
    port: server.port!,
    configure: (patch) => Object.assign(state.behaviour, definedOnly(patch)),
    stats: () => Object.fromEntries(state.counts),
    stop: () => server.stop(true),
  };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
