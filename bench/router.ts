/**
 * Overhead of the router on a streamed chat call: the same requests to the same instant local
 * upstream, once through the bare `openai` SDK and once through `createRouter().stream`, alternated
 * so both see the same machine noise. Prints per-request latency and TTFT percentiles and the
 * differences. Run: `bun run bench/router.ts [requests]`.
 */
import OpenAI from 'openai';
import { setLogLevel } from '../src/lib/logger';
import { createRouter } from '../src/providers/router';
import { startFakeUpstream } from '../src/testing/fake-upstream';

setLogLevel('error');
const N = Number(process.argv[2] ?? 2000);
const WARMUP = 200;
const upstream = await startFakeUpstream({ tokens: 20, models: ['gpt-4o-mini'] });
const baseURL = `${upstream.url}/v1`;
const client = new OpenAI({ apiKey: 'sk-bench', baseURL, maxRetries: 0, organization: null, project: null, webhookSecret: null });
const router = createRouter({ openai: { apiKey: 'sk-bench', baseURL } });
const messages = [{ role: 'user' as const, content: 'Benchmark prompt with a few words in it.' }];

async function direct(): Promise<[number, number]> {
  const t0 = performance.now();
  let ttft = 0;
  const stream = await client.chat.completions.create({
    model: 'gpt-4o-mini',
    messages,
    stream: true,
    stream_options: { include_usage: true },
  });
  for await (const c of stream) if (!ttft && c.choices[0]?.delta?.content) ttft = performance.now() - t0;
  return [performance.now() - t0, ttft];
}

async function routed(): Promise<[number, number]> {
  const t0 = performance.now();
  let ttft = 0;
  for await (const e of router.stream({ model: 'gpt-4o-mini', messages, signal: new AbortController().signal })) {
    if (!ttft && e.type === 'text') ttft = performance.now() - t0;
  }
  return [performance.now() - t0, ttft];
}

const pct = (xs: number[], p: number) => xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
const samples = { direct: [[], []] as number[][], routed: [[], []] as number[][] };
for (let i = 0; i < WARMUP; i++) await (i % 2 ? direct() : routed());
for (let i = 0; i < N; i++) {
  const [d, dt] = await direct();
  const [r, rt] = await routed();
  samples.direct[0].push(d);
  samples.direct[1].push(dt);
  samples.routed[0].push(r);
  samples.routed[1].push(rt);
}
await upstream.stop();

for (const [name, idx] of [
  ['total', 0],
  ['ttft', 1],
] as const) {
  for (const p of [50, 95, 99]) {
    const d = pct(samples.direct[idx], p);
    const r = pct(samples.routed[idx], p);
    console.log(
      `${name} p${p}: direct ${d.toFixed(3)} ms, routed ${r.toFixed(3)} ms, added ${(r - d).toFixed(3)} ms, ratio ${(r / d).toFixed(2)}`,
    );
  }
}
