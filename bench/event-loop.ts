/**
 * Event-loop delay on the embedded defaults while documents ingest and chat turns stream on the same
 * server, against a bare Bun.serve answering the same probe traffic in the same run. Phases: chat
 * alone, then chat while DOCS documents are uploaded and ingested. Reports the main thread's loop
 * delay (bench/loop-probe.ts), the streamed answers' inter-token gaps (the upstream paces tokens
 * GAP_MS apart, so anything above that is the server's), and `GET /api/conversations` latency.
 *   bun run bench:event-loop [--docs 400] [--streams 4]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { provisionApiKey } from '../loadgen/auth';
import { chatStreams, type Gaps, probeLatency, uploadAll, waitUntilIngested } from './embedded-load';
import { type LoopDelay, percentile, type Server, startBare, startEmbedded } from './embedded-process';

const arg = (name: string, fallback: number) => Number(process.argv[process.argv.indexOf(`--${name}`) + 1]) || fallback;
const DOCS = arg('docs', 400);
const STREAMS = arg('streams', 4);
const TOKENS_PER_SECOND = 50;
const GAP_MS = 1000 / TOKENS_PER_SECOND;
const CHAT_ALONE_MS = 8000;
const MODEL = 'gpt-4o-mini';
const ROOT = new URL('../', import.meta.url).pathname;

async function startUpstream(port: number): Promise<() => Promise<void>> {
  const args = ['--port', String(port), '--tokens', '40', '--tps', String(TOKENS_PER_SECOND), '--models', MODEL];
  const child = Bun.spawn(['bun', 'src/testing/fake-upstream/cli.ts', ...args], { cwd: ROOT, stdout: 'ignore', stderr: 'inherit' });
  for (let i = 0; i < 300; i++) {
    if (
      await fetch(`http://127.0.0.1:${port}/health`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    await Bun.sleep(20);
  }
  return async () => void (child.kill('SIGTERM'), await child.exited);
}

interface Phase {
  name: string;
  loop: LoopDelay;
  gaps?: Gaps;
  listMs?: number[];
  seconds: number;
}

async function bareFloor(): Promise<Phase> {
  const bare = await startBare(47220);
  await bare.loopDelay();
  const t0 = performance.now();
  const probe = probeLatency(bare.url, '/', {});
  await Bun.sleep(CHAT_ALONE_MS);
  const listMs = await probe.stop();
  const phase = { name: 'bare Bun.serve, probe only', loop: await bare.loopDelay(), listMs, seconds: (performance.now() - t0) / 1000 };
  await bare.stop();
  return phase;
}

async function confabPhases(server: Server): Promise<Phase[]> {
  const key = await provisionApiKey(server.url);
  const headers = { authorization: `Bearer ${key}` };
  const chat = chatStreams(server.url, headers, MODEL, STREAMS);
  await Bun.sleep(2000);
  chat.takeGaps();
  await server.loopDelay();
  let t0 = performance.now();
  let probe = probeLatency(server.url, '/api/conversations', headers);
  await Bun.sleep(CHAT_ALONE_MS);
  const alone: Phase = {
    name: `confab, ${STREAMS} chat streams`,
    loop: await server.loopDelay(),
    gaps: chat.takeGaps(),
    listMs: await probe.stop(),
    seconds: (performance.now() - t0) / 1000,
  };
  t0 = performance.now();
  probe = probeLatency(server.url, '/api/conversations', headers);
  await uploadAll(server.url, headers, DOCS);
  await waitUntilIngested(server.url, headers, DOCS);
  const ingest: Phase = {
    name: `confab, chat + ${DOCS} docs ingesting`,
    loop: await server.loopDelay(),
    gaps: chat.takeGaps(),
    listMs: await probe.stop(),
    seconds: (performance.now() - t0) / 1000,
  };
  await chat.stop();
  return [alone, ingest];
}

const f = (n: number | undefined, d = 1) => (n === undefined || !Number.isFinite(n) ? '-' : n.toFixed(d));

function report(phases: Phase[], rssAfter: number, rssBare: number) {
  const floor = phases[0].loop;
  console.log(`event-loop delay (ms), inter-token gap above the upstream's ${GAP_MS} ms pacing (ms), GET latency (ms)`);
  for (const p of phases) {
    const gapsAbove = p.gaps?.gaps.map((g) => g - GAP_MS);
    console.log(
      `${p.name.padEnd(36)} loop p50 ${f(p.loop.p50).padStart(6)} p99 ${f(p.loop.p99).padStart(7)} (${f(p.loop.p99 / floor.p99)}x bare) max ${f(p.loop.max).padStart(7)}` +
        `   gap+ p50 ${f(gapsAbove && percentile(gapsAbove, 50))} p99 ${f(gapsAbove && percentile(gapsAbove, 99))} max ${f(gapsAbove && Math.max(...gapsAbove))}` +
        `   GET p50 ${f(p.listMs && percentile(p.listMs, 50))} p99 ${f(p.listMs && percentile(p.listMs, 99))} max ${f(p.listMs && Math.max(...p.listMs))}` +
        `   turns ${p.gaps?.turns ?? '-'}   ${f(p.seconds)} s`,
    );
  }
  const last = phases.at(-1)!.loop;
  console.log(`target loop p99 ≤ 20 ms: ${last.p99 <= 20 ? 'meets' : 'MISSES'}, max ≤ 50 ms: ${last.max <= 50 ? 'meets' : 'MISSES'}`);
  console.log(`RSS after ingesting: ${f(rssAfter, 0)} MiB (${f(rssAfter / rssBare)}x bare ${f(rssBare, 0)} MiB)`);
}

const stopUpstream = await startUpstream(47221);
const dir = mkdtempSync('/tmp/embedded-loop-');
try {
  const floor = await bareFloor();
  const bareRss = await startBare(47220).then(async (b) => (await Bun.sleep(500), [b.rssMiB(), await b.stop()][0] as number));
  const server = await startEmbedded(47222, dir, {
    OPENAI_API_KEY: 'sk-bench',
    OPENAI_BASE_URL: 'http://127.0.0.1:47221/v1',
    RATE_LIMIT_RPM: '1000000000',
    RATE_LIMIT_TPM: '1000000000',
    SIGNUP_RATE_PER_HOUR: '0',
  });
  const phases = await confabPhases(server);
  const rss = server.rssMiB();
  await server.stop();
  report([floor, ...phases], rss, bareRss);
} finally {
  await stopUpstream();
  rmSync(dir, { recursive: true, force: true });
}
