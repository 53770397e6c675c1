import { parseArgs } from 'node:util';
import type { LoadPlan } from './runner';
import { parseDurationMs, parseSlo } from './slo';

export type Mode = 'chat' | 'sse' | 'ws' | 'http';
const MODES: readonly Mode[] = ['chat', 'sse', 'ws', 'http'];

export interface LoadgenOptions extends LoadPlan {
  url: string;
  mode: Mode;
  timeoutMs: number;
  prompt: string;
  model: string | null;
  maxTokens: number | null;
  plugins: string[];
  method: string;
  headers: Record<string, string>;
  body: string | null;
  apiKey: string | null;
  sweep: number[] | null;
  json: boolean;
  html: string | null;
  quiet: boolean;
}

/** In an open loop `--concurrency` only caps requests in flight, so its default is generous. */
const OPEN_LOOP_CAP = 1000;

const SPEC = {
  url: { type: 'string', default: 'http://localhost:8000' },
  mode: { type: 'string', default: 'chat' },
  concurrency: { type: 'string', short: 'c' },
  rate: { type: 'string', short: 'r' },
  arrival: { type: 'string', default: 'constant' },
  duration: { type: 'string', short: 'd' },
  total: { type: 'string', short: 'n' },
  warmup: { type: 'string', default: '0' },
  timeout: { type: 'string', default: '60s' },
  prompt: { type: 'string', default: 'Write a haiku about load testing.' },
  model: { type: 'string' },
  'max-tokens': { type: 'string' },
  plugins: { type: 'string' },
  method: { type: 'string', default: 'GET' },
  header: { type: 'string', short: 'H', multiple: true },
  body: { type: 'string' },
  'api-key': { type: 'string' },
  slo: { type: 'string' },
  sweep: { type: 'string' },
  json: { type: 'boolean', default: false },
  html: { type: 'string' },
  quiet: { type: 'boolean', short: 'q', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/** Returns null when help was asked for; throws an Error with a user-facing message on bad input. */
export function parseOptions(argv: string[], env: Record<string, string | undefined> = {}): LoadgenOptions | null {
  const { values: v } = parseArgs({ args: argv, options: SPEC, strict: true, allowPositionals: false });
  if (v.help) return null;
  const mode = v.mode as Mode;
  if (!MODES.includes(mode)) throw new Error(`--mode must be one of ${MODES.join(', ')}`);
  if (v.arrival !== 'constant' && v.arrival !== 'poisson') throw new Error('--arrival must be constant or poisson');
  const sweep = v.sweep === undefined ? null : parseSweep(v.sweep);
  const rate = v.rate === undefined ? null : positive('--rate', v.rate);
  const open = rate !== null || sweep !== null;
  const durationS = v.duration === undefined ? null : parseDurationMs(v.duration, 's') / 1000;
  const total = v.total === undefined ? null : integer('--total', v.total);
  const slo = v.slo === undefined ? null : parseSlo(v.slo);
  if (sweep && !slo) throw new Error('--sweep needs --slo to know where the rate breaks (e.g. --slo e2e=2000)');
  return {
    url: new URL(v.url!).href.replace(/\/$/, ''),
    mode,
    concurrency: v.concurrency === undefined ? (open ? OPEN_LOOP_CAP : 10) : integer('--concurrency', v.concurrency),
    rate,
    arrival: v.arrival,
    durationS: durationS ?? (total === null ? (sweep ? 10 : null) : null),
    total: total ?? (durationS === null && !sweep ? 200 : null),
    warmupS: parseDurationMs(v.warmup!, 's') / 1000,
    timeoutMs: parseDurationMs(v.timeout!),
    prompt: v.prompt!,
    model: v.model ?? null,
    maxTokens: v['max-tokens'] === undefined ? null : integer('--max-tokens', v['max-tokens']),
    plugins: v.plugins
      ? v.plugins
          .split(',')
          .map((p) => p.trim())
          .filter(Boolean)
      : [],
    method: v.method!.toUpperCase(),
    headers: parseHeaders(v.header ?? []),
    body: v.body ?? null,
    apiKey: v['api-key'] ?? env.LOADGEN_API_KEY ?? null,
    slo,
    sweep,
    json: v.json!,
    html: v.html ?? null,
    quiet: v.quiet!,
  };
}

function positive(name: string, raw: string): number {
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got "${raw}"`);
  return value;
}

function integer(name: string, raw: string): number {
  const value = positive(name, raw);
  if (!Number.isInteger(value)) throw new Error(`${name} must be a whole number, got "${raw}"`);
  return value;
}

/** `5,10,20` lists rates; `10:100:10` steps linearly from 10 to 100. */
export function parseSweep(raw: string): number[] {
  if (raw.includes(':')) {
    const [from, to, step] = raw.split(':').map((part) => positive('--sweep', part));
    if (step === undefined || to < from) throw new Error('--sweep range is from:to:step with from <= to');
    const rates: number[] = [];
    for (let r = from; r <= to + 1e-9; r += step) rates.push(Math.round(r * 1000) / 1000);
    return rates;
  }
  return raw.split(',').map((part) => positive('--sweep', part.trim()));
}

function parseHeaders(raw: string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of raw) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new Error(`--header "${line}" is not "Name: value"`);
    headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  }
  return headers;
}

export const USAGE = `bun run loadgen [options]

Target
  --url URL               server base URL (http mode: the full URL)     [http://localhost:8000]
  --mode MODE             chat (POST /api/chat) | sse (/v1/chat/completions, streamed)
                          | ws (/ws/chat) | http (plain requests to --url)              [chat]
  --api-key KEY           Bearer key (or LOADGEN_API_KEY); without it the LLM modes sign up a load user
  --prompt TEXT  --model NAME  --max-tokens N  --plugins a,b
  --method M  --header "Name: value" (repeatable)  --body TEXT             (http mode)
  --timeout DUR           per request (milliseconds, or 30s)                         [60s]

Load
  --concurrency N         closed loop: workers [10]; with --rate: cap on requests in flight [1000]
  --rate R                open loop at R requests/s; latency counts from the intended send time
  --arrival KIND          constant | poisson                                          [constant]
  --duration DUR          measured phase (30 or 30s, 2m); --total N: measured requests [200]
  --warmup DUR            load applied first and discarded (seconds, or 500ms)        [0]
  --slo ttft=..,tpot=..,e2e=..   goodput objectives (ms, or 2s)
  --sweep RATES           5,10,20 or from:to:step; open-loop runs until a p99 breaks --slo

Output
  --json                  full result with run metadata on stdout instead of the table
  --html FILE             self-contained HTML report
  --quiet                 no progress line
`;
