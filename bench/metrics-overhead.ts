/**
 * Cost of metrics collection on the gateway path: two Confab processes over the same fake
 * upstream, one with METRICS=on (and scraped every second, as Prometheus would) and one with
 * METRICS=off, loaded in alternating rounds with the same closed-loop load on
 * `/v1/chat/completions`. Prints each round, the medians and the on/off ratios (target: within 5 %).
 * Run: `bun run bench:metrics [seconds per round] [rounds]`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { provisionApiKey } from '../loadgen/auth';
import { parseOptions } from '../loadgen/options';
import { runLoadgen } from '../loadgen/run';
import { fmt, median, type Proc, printTable, startConfab, startUpstream, timedRunArgs, v1CompletionArgs } from './confab-process';

const SECONDS = Number(process.argv[2] ?? 6);
const ROUNDS = Number(process.argv[3] ?? 4);
const MODEL = 'gpt-4o-mini';

interface Round {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

async function round(server: Proc, key: string, scrape: boolean): Promise<Round> {
  const body = JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'Benchmark prompt with a few words in it.' }] });
  let scraping = scrape;
  const scraper = (async () => {
    while (scraping) {
      await fetch(`${server.url}/metrics`).then(
        (r) => r.text(),
        () => '',
      );
      await Bun.sleep(1_000);
    }
  })();
  const report = await runLoadgen(parseOptions([...v1CompletionArgs(server.url, key, body), '-c', '32', ...timedRunArgs(SECONDS)])!);
  scraping = false;
  await scraper;
  const run = report.runs[0];
  return { rps: run.summary.okRate, p50: run.latency.e2e?.p50 ?? NaN, p99: run.latency.e2e?.p99 ?? NaN, errors: run.summary.errors };
}

async function main() {
  const dirs = [mkdtempSync(join(tmpdir(), 'confab-bench-m-on-')), mkdtempSync(join(tmpdir(), 'confab-bench-m-off-'))];
  const upstream = await startUpstream(MODEL, 16);
  const common = { OPENAI_API_KEY: 'sk-bench', OPENAI_BASE_URL: `${upstream.url}/v1` };
  const on = await startConfab({ ...common, DATA_DIR: dirs[0], METRICS: 'on' });
  const off = await startConfab({ ...common, DATA_DIR: dirs[1], METRICS: 'off' });
  try {
    const keys = { on: await provisionApiKey(on.url), off: await provisionApiKey(off.url) };
    const results: Record<'on' | 'off', Round[]> = { on: [], off: [] };
    const rows: string[][] = [];
    for (let i = 0; i < ROUNDS; i++) {
      // Alternating which goes first spreads slow drifts of the machine over both.
      for (const which of i % 2 === 0 ? (['on', 'off'] as const) : (['off', 'on'] as const)) {
        const r = await round(which === 'on' ? on : off, keys[which], which === 'on');
        results[which].push(r);
        rows.push([String(i + 1), which, fmt(r.rps, 0), fmt(r.p50), fmt(r.p99), String(r.errors)]);
      }
    }
    printTable(['round', 'metrics', 'req/s', 'p50 ms', 'p99 ms', 'errors'], rows);
    const m = (which: 'on' | 'off', k: keyof Round) => median(results[which].map((r) => r[k]));
    process.stdout.write(
      `\nmedian req/s: on ${fmt(m('on', 'rps'), 0)}, off ${fmt(m('off', 'rps'), 0)}, on/off ${fmt(m('on', 'rps') / m('off', 'rps'), 3)}\n`,
    );
    process.stdout.write(
      `median p50 ms: on ${fmt(m('on', 'p50'))}, off ${fmt(m('off', 'p50'))}, on/off ${fmt(m('on', 'p50') / m('off', 'p50'), 3)}\n`,
    );
    process.stdout.write(
      `median p99 ms: on ${fmt(m('on', 'p99'))}, off ${fmt(m('off', 'p99'))}, on/off ${fmt(m('on', 'p99') / m('off', 'p99'), 3)}\n`,
    );
    process.stdout.write(`${SECONDS} s rounds, 32 connections, non-streamed, 16 output tokens; the "on" server is scraped every second.\n`);
  } finally {
    await Promise.all([on.stop(), off.stop(), upstream.stop()]);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
}

await main();
