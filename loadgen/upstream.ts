import { parseArgs } from 'node:util';
import { anthropicError, anthropicMessages, anthropicModels } from './upstream-anthropic';
import { DEFAULT_BEHAVIOUR, type FakeBehaviour, HEADERS, isFakeError, type UpstreamState } from './upstream-behaviour';
import { openaiChat, openaiEmbeddings, openaiError, openaiModels } from './upstream-openai';

export type { FakeBehaviour, FakeError } from './upstream-behaviour';
export { HEADERS as FAKE_HEADERS } from './upstream-behaviour';

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

const USAGE = `bun run loadgen:upstream [options]

  --port N              listen port (0 = any free port)                  [9100]
  --host H              listen address                                    [127.0.0.1]
  --ttft-ms N           delay before the first token                      [0]
  --tps N               output tokens per second, 0 = all at once         [0]
  --tokens N            output tokens per answer                          [16]
  --error KIND          inject 429 | 500 | 503 | 529 | stall | cut
  --error-rate F        fraction of requests that get --error             [1]
  --cut-after N         tokens streamed before a cut                      [half]
  --retry-after-ms N    advertised on 429/503/529                         [1000]
  --stall-ms N          stall length, 0 = until the client gives up       [0]
  --models a,b          names served by /v1/models                        [fake-model]
  --api-key KEY         require this key (Bearer / x-api-key)

Per request: ${Object.values(HEADERS).join(', ')}
`;

async function main(argv: string[]): Promise<void> {
  const str = { type: 'string' } as const;
  const { values: v } = parseArgs({
    args: argv,
    options: {
      port: str,
      host: str,
      'ttft-ms': str,
      tps: str,
      tokens: str,
      error: str,
      'error-rate': str,
      'cut-after': str,
      'retry-after-ms': str,
      'stall-ms': str,
      models: str,
      'api-key': str,
      help: { type: 'boolean' },
    },
  });
  if (v.help) return void process.stdout.write(USAGE);
  const num = (name: keyof typeof v) => (v[name] === undefined ? undefined : Number(v[name]));
  if (v.error !== undefined && !isFakeError(v.error)) throw new Error(`--error must be one of 429, 500, 503, 529, stall, cut`);
  const upstream = await startFakeUpstream({
    port: num('port') ?? 9100,
    hostname: v.host ?? '127.0.0.1',
    ttftMs: num('ttft-ms'),
    tps: num('tps'),
    tokens: num('tokens'),
    error: v.error as FakeBehaviour['error'] | undefined,
    errorRate: num('error-rate'),
    cutAfter: num('cut-after'),
    retryAfterMs: num('retry-after-ms'),
    stallMs: num('stall-ms'),
    models: v.models?.split(','),
    apiKey: v['api-key'] ?? null,
  });
  process.stdout.write(`fake upstream listening on ${upstream.url} (OpenAI base ${upstream.url}/v1)\n`);
  const shutdown = () => void upstream.stop().then(() => process.exit(0));
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

if (import.meta.main) {
  main(process.argv.slice(2)).catch((error) => {
    process.stderr.write(`loadgen:upstream: ${(error as Error).message}\n\n${USAGE}`);
    process.exit(2);
  });
}
