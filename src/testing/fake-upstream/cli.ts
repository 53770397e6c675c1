import { parseArgs } from 'node:util';
import { type FakeBehaviour, HEADERS, isFakeError } from './behaviour';
import { startFakeUpstream } from './index';

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
