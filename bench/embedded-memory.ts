/**
 * Memory of the embedded server (the process and every child it started) against a bare Bun.serve
 * in the same run: idle after start on a fresh data dir, after TURNS persisted chat turns (3 s after
 * the last and once the server has been idle long enough to give memory back), and over a soak of
 * mixed streamed chat, uploads and searches, sampled every 10 s.
 *   bun run bench:embedded-memory [--turns 10000] [--soak-minutes 10]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { provisionApiKey } from '../loadgen/auth';
import { parseOptions } from '../loadgen/options';
import { runLoadgen } from '../loadgen/run';
import { chatStreams, probeLatency, uploadAll } from './embedded-load';
import { startBare, startEmbedded } from './embedded-process';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
};
const TURNS = arg('turns', 10_000);
const SOAK_MINUTES = arg('soak-minutes', 10);
const MODEL = 'gpt-4o-mini';
const ROOT = new URL('../', import.meta.url).pathname;
const TARGET_MIB = 150;
const SETTLE_MS = 35_000;

async function startUpstream(port: number): Promise<() => Promise<void>> {
  const args = ['--port', String(port), '--tokens', '16', '--models', MODEL];
  const child = Bun.spawn(['bun', 'src/testing/fake-upstream/cli.ts', ...args], { cwd: ROOT, stdout: 'ignore', stderr: 'inherit' });
  for (let i = 0; i < 300; i++) {
    const up = await fetch(`http://127.0.0.1:${port}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) break;
    await Bun.sleep(20);
  }
  return async () => void (child.kill('SIGTERM'), await child.exited);
}

async function turns(url: string, key: string, total: number) {
  const options = parseOptions([
    '--mode',
    'chat',
    '--url',
    url,
    '--model',
    MODEL,
    '--api-key',
    key,
    '-c',
    '20',
    '--total',
    String(total),
    '-q',
  ]);
  const run = (await runLoadgen(options!)).runs[0];
  return { ok: run.summary.ok, errors: run.summary.errors, rate: run.summary.okRate };
}

/** Streams, one upload every 2 s and a search every 200 ms for `minutes`; RSS every 10 s. */
async function soak(url: string, key: string, rss: () => number, minutes: number): Promise<number[]> {
  const headers = { authorization: `Bearer ${key}` };
  const chat = chatStreams(url, headers, MODEL, 2);
  const search = probeLatency(url, '/api/conversations?q=topic', headers);
  const samples: number[] = [];
  const end = Date.now() + minutes * 60_000;
  let uploads = 0;
  while (Date.now() < end) {
    for (let i = 0; i < 5; i++) {
      await uploadAll(url, headers, 1, 1, 100_000 + uploads++);
      await Bun.sleep(2000);
    }
    samples.push(rss());
  }
  await search.stop();
  await chat.stop();
  return samples;
}

const f = (n: number) => n.toFixed(0);
const stopUpstream = await startUpstream(47241);
const dir = mkdtempSync('/tmp/embedded-memory-');
try {
  const bare = await startBare(47240);
  await Bun.sleep(3000);
  const bareRss = bare.rssMiB();
  await bare.stop();
  const server = await startEmbedded(47242, dir, {
    OPENAI_API_KEY: 'sk-bench',
    OPENAI_BASE_URL: 'http://127.0.0.1:47241/v1',
    RATE_LIMIT_RPM: '1000000000',
    RATE_LIMIT_TPM: '1000000000',
    SIGNUP_RATE_PER_HOUR: '0',
  });
  await Bun.sleep(3000);
  const idle = server.rssMiB();
  const ratio = (mib: number) =>
    `${f(mib)} MiB (${(mib / bareRss).toFixed(1)}x bare, target ≤ ${TARGET_MIB}: ${mib <= TARGET_MIB ? 'meets' : 'MISSES'})`;
  console.log(`bare Bun.serve idle            ${f(bareRss)} MiB`);
  console.log(`confab idle, fresh data dir    ${ratio(idle)}`);
  const key = await provisionApiKey(server.url);
  if (TURNS > 0) {
    const done = await turns(server.url, key, TURNS);
    await Bun.sleep(3000);
    console.log(`confab after ${done.ok} turns        ${ratio(server.rssMiB())}   (${done.errors} errors, ${f(done.rate)} turns/s)`);
    // A server idle for 30 s gives back what its collections freed (src/lib/idle-collector.ts).
    await Bun.sleep(SETTLE_MS);
    console.log(`  and ${SETTLE_MS / 1000} s later           ${ratio(server.rssMiB())}`);
  }
  if (SOAK_MINUTES > 0) {
    const samples = await soak(server.url, key, () => server.rssMiB(), SOAK_MINUTES);
    // The first minute warms caches and pools; growth counts from there (from the start on a shorter soak).
    const from = samples.length > 6 ? samples[5] : samples[0];
    const growth = ((samples.at(-1)! - from) / from) * 100;
    console.log(`soak ${SOAK_MINUTES} min, RSS every 10 s: ${samples.map(f).join(' ')} MiB`);
    console.log(`growth after the first minute ${growth.toFixed(1)} % (target ≤ 5 %: ${growth <= 5 ? 'meets' : 'MISSES'})`);
  }
  await server.stop();
} finally {
  await stopUpstream();
  rmSync(dir, { recursive: true, force: true });
}
