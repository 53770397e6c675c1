/**
 * Full chat turns (`POST /api/chat`: auth, rate limits in Redis, conversation and both messages
 * persisted in PostgreSQL, the model on a fake upstream) against one replica, then the same total
 * load split over two replicas sharing the same PostgreSQL and Redis. Rounds alternate so both
 * layouts see the same machine. Needs TEST_DATABASE_URL and TEST_REDIS_URL (scripts/services/up.sh).
 * Run: `bun run bench:replicas [seconds per round] [rounds] [connections]`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { provisionApiKey } from '../loadgen/auth';
import { parseOptions } from '../loadgen/options';
import { runLoadgen } from '../loadgen/run';
import { createScratchDatabase } from '../src/testing/databases';
import { fmt, median, type Proc, printTable, startConfab, startUpstream, timedRunArgs } from './confab-process';

const SECONDS = Number(process.argv[2] ?? 8);
const ROUNDS = Number(process.argv[3] ?? 3);
const CONNECTIONS = Number(process.argv[4] ?? 32);
const MODEL = 'gpt-4o-mini';
const { TEST_DATABASE_URL, TEST_REDIS_URL } = process.env;

interface Measured {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

async function load(server: Proc, key: string, connections: number): Promise<Measured> {
  const report = await runLoadgen(
    parseOptions([
      '--mode',
      'chat',
      '--url',
      server.url,
      '--model',
      MODEL,
      '--api-key',
      key,
      '-c',
      String(connections),
      ...timedRunArgs(SECONDS),
    ])!,
  );
  const run = report.runs[0];
  return { rps: run.summary.okRate, p50: run.latency.e2e?.p50 ?? NaN, p99: run.latency.e2e?.p99 ?? NaN, errors: run.summary.errors };
}

/** Two concurrent halves: throughput adds up; p99 is the worse half's (an upper bound of the merged p99). */
async function split(servers: Proc[], key: string): Promise<Measured> {
  const parts = await Promise.all(servers.map((s) => load(s, key, CONNECTIONS / servers.length)));
  return {
    rps: parts.reduce((n, p) => n + p.rps, 0),
    p50: parts.reduce((n, p) => n + p.p50, 0) / parts.length,
    p99: Math.max(...parts.map((p) => p.p99)),
    errors: parts.reduce((n, p) => n + p.errors, 0),
  };
}

async function main() {
  if (!TEST_DATABASE_URL || !TEST_REDIS_URL) {
    console.error('TEST_DATABASE_URL and TEST_REDIS_URL are needed (eval "$(scripts/services/up.sh)")');
    process.exit(2);
  }
  const scratch = await createScratchDatabase(TEST_DATABASE_URL);
  const dataDir = mkdtempSync(join(tmpdir(), 'confab-bench-replicas-'));
  const upstream = await startUpstream(MODEL, 16);
  const env = {
    DATABASE_URL: scratch.url,
    REDIS_URL: TEST_REDIS_URL,
    DATA_DIR: dataDir,
    OPENAI_API_KEY: 'sk-bench',
    OPENAI_BASE_URL: `${upstream.url}/v1`,
  };
  const a = await startConfab(env);
  const b = await startConfab(env);
  try {
    const key = await provisionApiKey(a.url);
    const results: Record<'one' | 'two', Measured[]> = { one: [], two: [] };
    const rows: string[][] = [];
    for (let i = 0; i < ROUNDS; i++) {
      for (const layout of i % 2 === 0 ? (['one', 'two'] as const) : (['two', 'one'] as const)) {
        const m = layout === 'one' ? await load(a, key, CONNECTIONS) : await split([a, b], key);
        results[layout].push(m);
        rows.push([String(i + 1), layout === 'one' ? '1 replica' : '2 replicas', fmt(m.rps, 0), fmt(m.p50), fmt(m.p99), String(m.errors)]);
      }
    }
    printTable(['round', 'layout', 'turns/s', 'p50 ms', 'p99 ms', 'errors'], rows);
    const m = (layout: 'one' | 'two', k: keyof Measured) => median(results[layout].map((r) => r[k]));
    process.stdout.write(
      `\nmedian turns/s: 1 replica ${fmt(m('one', 'rps'), 0)}, 2 replicas ${fmt(m('two', 'rps'), 0)}, ratio ${fmt(m('two', 'rps') / m('one', 'rps'), 3)}\n`,
    );
    process.stdout.write(`median p99 ms: 1 replica ${fmt(m('one', 'p99'))}, 2 replicas ${fmt(m('two', 'p99'))}\n`);
    process.stdout.write(
      `${SECONDS} s rounds, ${CONNECTIONS} connections in total, PostgreSQL + Redis shared, ${navigator.hardwareConcurrency} CPUs for everything.\n`,
    );
  } finally {
    await Promise.all([a.stop(), b.stop(), upstream.stop()]);
    await scratch.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
