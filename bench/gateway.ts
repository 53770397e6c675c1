/**
 * Gateway overhead: the same OpenAI requests sent straight to the fake upstream and through
 * Confab's `/v1/chat/completions` (Confab's OPENAI_BASE_URL pointing at that upstream), at 50
 * connections (closed loop) and at a fixed rate (open loop), streamed and not. Upstream, Confab and
 * the load generator each run in their own process; direct and proxied runs alternate so both see
 * the same machine. Run: `bun run bench:gateway [seconds per run] [rate]`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { provisionApiKey } from '../loadgen/auth.ts';
import { parseOptions } from '../loadgen/options.ts';
import type { Distribution } from '../loadgen/histogram.ts';
import { runLoadgen } from '../loadgen/run.ts';

const SECONDS = Number(process.argv[2] ?? 8);
const RATE = Number(process.argv[3] ?? 500);
const MODEL = 'gpt-4o-mini';
const TOKENS = 16;
const root = new URL('..', import.meta.url).pathname;

function freePort(): number {
  const probe = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response() });
  const port = probe.port!;
  probe.stop(true);
  return port;
}

async function waitFor(url: string, child: Bun.Subprocess): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`${url}: process exited with ${child.exitCode}`);
    const ok = await fetch(url).then((r) => r.ok, () => false);
    if (ok) return;
    await Bun.sleep(100);
  }
  throw new Error(`${url} did not come up`);
}

interface Scenario {
  name: string;
  streamed: boolean;
  rate: number | null;
}

interface Outcome {
  rps: number;
  errors: number;
  latency: Distribution | null;
  ttft: Distribution | null;
}

async function measure(base: string, apiKey: string, s: Scenario): Promise<Outcome> {
  const load = s.rate === null ? ['-c', '50'] : ['-r', String(s.rate), '-c', '1000'];
  const common = ['-d', `${SECONDS}s`, '--warmup', '2s', '-q', '--timeout', '30s'];
  const body = JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'Benchmark prompt with a few words in it.' }] });
  const args = s.streamed
    ? ['--mode', 'sse', '--url', base, '--model', MODEL, '--api-key', apiKey, '--prompt', 'Benchmark prompt with a few words in it.']
    : ['--mode', 'http', '--url', `${base}/v1/chat/completions`, '--method', 'POST', '--body', body, '-H', 'content-type: application/json', '-H', `authorization: Bearer ${apiKey}`];
  const report = await runLoadgen(parseOptions([...args, ...load, ...common])!);
  const run = report.runs[0];
  return { rps: run.summary.okRate, errors: run.summary.errors, latency: run.latency.e2e, ttft: run.latency.ttft };
}

const ms = (d: Distribution | null, p: 'p50' | 'p99') => (d ? d[p] : NaN);
const f = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : '-');

async function main(): Promise<void> {
  const upstreamPort = freePort();
  const confabPort = freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'confab-bench-gateway-'));
  const upstream = Bun.spawn(['bun', 'run', 'loadgen/upstream.ts', '--port', String(upstreamPort), '--tokens', String(TOKENS), '--models', MODEL], { cwd: root, stdout: 'ignore', stderr: 'inherit' });
  const confab = Bun.spawn(['bun', 'run', 'src/index.ts'], {
    cwd: root,
    stdout: 'ignore',
    stderr: 'inherit',
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      PORT: String(confabPort),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      OPENAI_API_KEY: 'sk-bench-upstream',
      OPENAI_BASE_URL: `http://127.0.0.1:${upstreamPort}/v1`,
      // The limiter stays on the path, with limits the benchmark cannot reach.
      RATE_LIMIT_RPM: '1000000000',
      RATE_LIMIT_TPM: '1000000000',
      LOG_LEVEL: 'error',
    },
  });
  try {
    const direct = `http://127.0.0.1:${upstreamPort}`;
    const gateway = `http://127.0.0.1:${confabPort}`;
    await waitFor(`${direct}/health`, upstream);
    await waitFor(`${gateway}/health`, confab);
    const key = await provisionApiKey(gateway);
    const scenarios: Scenario[] = [
      { name: 'non-streamed, 50 connections', streamed: false, rate: null },
      { name: 'streamed, 50 connections', streamed: true, rate: null },
      { name: `non-streamed, ${RATE} req/s`, streamed: false, rate: RATE },
      { name: `streamed, ${RATE} req/s`, streamed: true, rate: RATE },
    ];
    const rows: string[][] = [];
    for (const s of scenarios) {
      const d = await measure(direct, 'sk-direct', s);
      const c = await measure(gateway, key, s);
      rows.push([
        s.name,
        f(d.rps, 0),
        f(c.rps, 0),
        f(c.rps / d.rps),
        `${f(ms(d.latency, 'p50'))} / ${f(ms(d.latency, 'p99'))}`,
        `${f(ms(c.latency, 'p50'))} / ${f(ms(c.latency, 'p99'))}`,
        `${f(ms(c.latency, 'p50') - ms(d.latency, 'p50'))} / ${f(ms(c.latency, 'p99') - ms(d.latency, 'p99'))}`,
        s.streamed ? f(ms(c.ttft, 'p99') - ms(d.ttft, 'p99')) : '-',
        `${d.errors} / ${c.errors}`,
      ]);
      process.stderr.write(`done: ${s.name}\n`);
    }
    print(['scenario', 'direct req/s', 'confab req/s', 'ratio', 'direct p50/p99 ms', 'confab p50/p99 ms', 'added p50/p99 ms', 'added TTFT p99 ms', 'errors d/c'], rows);
  } finally {
    confab.kill('SIGTERM');
    upstream.kill('SIGTERM');
    await Promise.all([confab.exited, upstream.exited]);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function print(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
  process.stdout.write(`${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n${rows.map(line).join('\n')}\n`);
  process.stdout.write(`\n${SECONDS} s per run after 2 s warm-up; latency from the intended send time; ${TOKENS} output tokens per answer.\n`);
}

await main();
