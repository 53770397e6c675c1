/**
 * Gateway overhead: the same OpenAI requests sent straight to the fake upstream, through a bare Bun
 * proxy (parse, fetch, return: the ceiling for any gateway on this runtime) and through Confab's
 * `/v1/chat/completions` (Confab's OPENAI_BASE_URL pointing at that upstream), at 50 connections
 * (closed loop) and at a fixed rate (open loop), streamed and not. Upstream, proxy, Confab and the
 * load generator each run in their own process; the three runs of a scenario follow each other so
 * all see the same machine. Ratios and added latency are against the bare proxy. Run: `bun run bench:gateway [seconds per run] [rate]`.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { provisionApiKey } from '../loadgen/auth';
import type { Distribution } from '../loadgen/histogram';
import { parseOptions } from '../loadgen/options';
import { runLoadgen } from '../loadgen/run';
import { type Proc, printTable, startBareProxy, startConfab, startUpstream, timedRunArgs, v1CompletionArgs } from './confab-process';

const SECONDS = Number(process.argv[2] ?? 8);
const RATE = Number(process.argv[3] ?? 500);
const WARMUP_S = 2;
const MODEL = 'gpt-4o-mini';
const TOKENS = 16;

/** CPU time (user + system, all threads) a process has used, in µs; Linux only, else NaN. */
function cpuMicros(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100;
  } catch {
    return NaN;
  }
}

interface Scenario {
  name: string;
  streamed: boolean;
  rate: number | null;
}

interface Outcome {
  rps: number;
  /** CPU the serving process spent per measured request, in µs (after warm-up). */
  cpuPerRequest: number;
  errors: number;
  latency: Distribution | null;
  ttft: Distribution | null;
}

async function measure(server: Proc, apiKey: string, s: Scenario): Promise<Outcome> {
  const base = server.url;
  const load = s.rate === null ? ['-c', '50'] : ['-r', String(s.rate), '-c', '1000'];
  const common = timedRunArgs(SECONDS, WARMUP_S);
  const body = JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'Benchmark prompt with a few words in it.' }] });
  const args = s.streamed
    ? ['--mode', 'sse', '--url', base, '--model', MODEL, '--api-key', apiKey, '--prompt', 'Benchmark prompt with a few words in it.']
    : v1CompletionArgs(base, apiKey, body);
  let cpuAtWarm = NaN;
  const warm = setTimeout(() => (cpuAtWarm = cpuMicros(server.child.pid)), WARMUP_S * 1000);
  const report = await runLoadgen(parseOptions([...args, ...load, ...common])!);
  clearTimeout(warm);
  const run = report.runs[0];
  const cpuPerRequest = (cpuMicros(server.child.pid) - cpuAtWarm) / run.summary.ok;
  return { rps: run.summary.okRate, cpuPerRequest, errors: run.summary.errors, latency: run.latency.e2e, ttft: run.latency.ttft };
}

const ms = (d: Distribution | null, p: 'p50' | 'p99') => (d ? d[p] : NaN);
const f = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : '-');

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'confab-bench-gateway-'));
  const upstream = await startUpstream(MODEL, TOKENS);
  const confab = await startConfab({ DATA_DIR: dataDir, OPENAI_API_KEY: 'sk-bench-upstream', OPENAI_BASE_URL: `${upstream.url}/v1` });
  const bare = await startBareProxy(upstream.url);
  try {
    const key = await provisionApiKey(confab.url);
    const scenarios: Scenario[] = [
      { name: 'non-streamed, 50 connections', streamed: false, rate: null },
      { name: 'streamed, 50 connections', streamed: true, rate: null },
      { name: `non-streamed, ${RATE} req/s`, streamed: false, rate: RATE },
      { name: `streamed, ${RATE} req/s`, streamed: true, rate: RATE },
    ];
    const rows: string[][] = [];
    for (const s of scenarios) {
      const d = await measure(upstream, 'sk-direct', s);
      const b = await measure(bare, 'sk-bare', s);
      const c = await measure(confab, key, s);
      const added = (o: Outcome, p: 'p50' | 'p99') => ms(o.latency, p) - ms(d.latency, p);
      rows.push([
        s.name,
        f(d.rps, 0),
        f(b.rps, 0),
        f(c.rps, 0),
        f(c.rps / b.rps),
        `${f(ms(d.latency, 'p50'))} / ${f(ms(d.latency, 'p99'))}`,
        `${f(added(b, 'p50'))} / ${f(added(b, 'p99'))}`,
        `${f(added(c, 'p50'))} / ${f(added(c, 'p99'))}`,
        s.streamed ? `${f(ms(b.ttft, 'p99') - ms(d.ttft, 'p99'))} / ${f(ms(c.ttft, 'p99') - ms(d.ttft, 'p99'))}` : '-',
        `${f(b.cpuPerRequest, 0)} / ${f(c.cpuPerRequest, 0)}`,
        `${d.errors} / ${b.errors} / ${c.errors}`,
      ]);
      process.stderr.write(`done: ${s.name}\n`);
    }
    print(rows);
  } finally {
    await Promise.all([confab.stop(), bare.stop(), upstream.stop()]);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function print(rows: string[][]): void {
  const header = [
    'scenario',
    'direct req/s',
    'bare proxy req/s',
    'confab req/s',
    'confab / bare',
    'direct p50/p99 ms',
    'bare added p50/p99 ms',
    'confab added p50/p99 ms',
    'added TTFT p99 bare / confab',
    'CPU µs/req bare / confab',
    'errors d/b/c',
  ];
  printTable(header, rows);
  process.stdout.write(
    `\n${SECONDS} s per run after ${WARMUP_S} s warm-up; latency from the intended send time; ${TOKENS} output tokens per answer.\n`,
  );
  process.stdout.write(
    'CPU µs/req: CPU time (all threads) of the proxy or Confab process, per request; the upstream share is not included.\n',
  );
}

await main();
