/**
 * loadgen against autocannon (npm) and wrk (Debian) on the same trivial Bun.serve endpoint, in one
 * run: maximum request rate at a fixed connection count; percentiles of the same closed loop on a
 * path that sleeps 5 ms (so every tool runs at the same moderate rate, and autocannon's whole
 * milliseconds still resolve); and percentiles at a fixed offered rate, where each tool paces
 * requests its own way. Every tool runs as its own process, one at a time, with the target in another.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CONNECTIONS = 50;
const MAX_SECONDS = 5;
const ROUNDS = 2;
const RATE = 1000;
const RATE_CONNECTIONS = 10;
const RATE_SECONDS = 5;
const SLOW_MS = 5;
const ROOT = join(import.meta.dir, '..');

interface Figures {
  rate: number;
  p50: number;
  p90: number;
  p99: number;
}

const TARGET = `
const server = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch(req) {
  if (req.url.endsWith('/slow')) return new Promise((r) => setTimeout(() => r(new Response('ok')), ${SLOW_MS}));
  return new Response('ok');
} });
console.log(server.port);`;

async function startTarget(): Promise<{ base: string; stop: () => void }> {
  const proc = Bun.spawn(['bun', '-e', TARGET], { stdout: 'pipe', stderr: 'inherit' });
  const reader = proc.stdout.getReader();
  const { value } = await reader.read();
  const port = Number(new TextDecoder().decode(value).trim());
  if (!port) throw new Error('target server did not report its port');
  return { base: `http://127.0.0.1:${port}`, stop: () => proc.kill() };
}

async function capture(cmd: string[]): Promise<string> {
  const proc = Bun.spawn(cmd, { cwd: ROOT, stdout: 'pipe', stderr: 'pipe' });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`${cmd[0]} exited with ${code}: ${err.slice(0, 500)}`);
  return out;
}

async function autocannon(url: string, args: string[]): Promise<Figures> {
  const out = await capture([join(ROOT, 'node_modules/.bin/autocannon'), '-j', '-n', ...args, url]);
  const r = JSON.parse(out) as { requests: { total: number }; duration: number; latency: Record<string, number> };
  return { rate: r.requests.total / r.duration, p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99 };
}

const WRK_UNITS: Record<string, number> = { us: 0.001, ms: 1, s: 1000 };

async function wrk(url: string, args: string[]): Promise<Figures> {
  const out = await capture(['wrk', '--latency', ...args, url]);
  const pct = (p: string) => {
    const m = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s)`, 'm').exec(out);
    return m ? Number(m[1]) * WRK_UNITS[m[2]] : NaN;
  };
  const rate = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  return { rate, p50: pct('50'), p90: pct('90'), p99: pct('99') };
}

async function loadgen(url: string, args: string[], pick: 'serviceTime' | 'e2e' = 'serviceTime'): Promise<Figures> {
  const out = await capture(['bun', 'run', 'loadgen/cli.ts', '--mode', 'http', '--url', url, '--json', '--quiet', ...args]);
  const run = (JSON.parse(out) as { runs: Array<{ summary: { requestRate: number }; latency: Record<string, Figures> }> }).runs[0];
  const d = run.latency[pick];
  return { rate: run.summary.requestRate, p50: d.p50, p90: d.p90, p99: d.p99 };
}

function wrkDelayScript(delayMs: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'bench-loadgen-'));
  const file = join(dir, 'delay.lua');
  writeFileSync(file, `function delay()\n  return ${delayMs}\nend\n`);
  return file;
}

const fmt = (n: number, digits = 3) => (Number.isFinite(n) ? n.toFixed(digits) : '-');
const ratio = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}×` : '-');

async function maxRate(url: string, haveWrk: boolean): Promise<Record<string, number>> {
  const best: Record<string, number> = { loadgen: 0, autocannon: 0, wrk: NaN };
  for (let round = 0; round < ROUNDS; round++) {
    const a = await autocannon(url, ['-c', String(CONNECTIONS), '-d', String(MAX_SECONDS)]);
    best.autocannon = Math.max(best.autocannon, a.rate);
    if (haveWrk) {
      const w = await wrk(url, ['-t1', `-c${CONNECTIONS}`, `-d${MAX_SECONDS}s`]);
      best.wrk = Math.max(Number.isNaN(best.wrk) ? 0 : best.wrk, w.rate);
    }
    const l = await loadgen(url, ['--concurrency', String(CONNECTIONS), '--duration', String(MAX_SECONDS)]);
    best.loadgen = Math.max(best.loadgen, l.rate);
  }
  return best;
}

async function sameClosedLoop(url: string, haveWrk: boolean): Promise<Record<string, Figures>> {
  const c = String(RATE_CONNECTIONS);
  const results: Record<string, Figures> = {
    autocannon: await autocannon(url, ['-c', c, '-d', String(RATE_SECONDS)]),
    'loadgen (service time)': await loadgen(url, ['--concurrency', c, '--duration', String(RATE_SECONDS)]),
  };
  if (haveWrk) results.wrk = await wrk(url, ['-t1', `-c${c}`, `-d${RATE_SECONDS}s`]);
  return results;
}

async function atRate(url: string, haveWrk: boolean): Promise<Record<string, Figures>> {
  const c = String(RATE_CONNECTIONS);
  const results: Record<string, Figures> = {
    autocannon: await autocannon(url, ['-c', c, '-R', String(RATE), '-d', String(RATE_SECONDS)]),
    'loadgen (service time)': await loadgen(url, ['--rate', String(RATE), '--concurrency', c, '--duration', String(RATE_SECONDS)]),
  };
  if (haveWrk) {
    // wrk (unlike wrk2) cannot pace; a per-connection pause approximates the rate.
    const script = wrkDelayScript(Math.round((RATE_CONNECTIONS * 1000) / RATE));
    results.wrk = await wrk(url, ['-t1', `-c${c}`, `-d${RATE_SECONDS}s`, '-s', script]);
  }
  results['loadgen (from intended)'] = await loadgen(
    url,
    ['--rate', String(RATE), '--concurrency', c, '--duration', String(RATE_SECONDS)],
    'e2e',
  );
  return results;
}

function printRateTable(title: string, results: Record<string, Figures>): void {
  console.log(`\n${title}`);
  console.log(`  ${'tool'.padEnd(26)}${'req/s'.padStart(10)}${'p50 ms'.padStart(10)}${'p90 ms'.padStart(10)}${'p99 ms'.padStart(10)}`);
  for (const [tool, f] of Object.entries(results)) {
    console.log(
      `  ${tool.padEnd(26)}${fmt(f.rate, 0).padStart(10)}${fmt(f.p50).padStart(10)}${fmt(f.p90).padStart(10)}${fmt(f.p99).padStart(10)}`,
    );
  }
  const mine = results['loadgen (service time)'];
  for (const other of ['autocannon', 'wrk']) {
    const theirs = results[other];
    if (!theirs) continue;
    console.log(
      `  loadgen / ${other}: p50 ${ratio(mine.p50, theirs.p50)}, p90 ${ratio(mine.p90, theirs.p90)}, p99 ${ratio(mine.p99, theirs.p99)}`,
    );
  }
}

async function main(): Promise<void> {
  const haveWrk = Bun.which('wrk') !== null;
  if (!haveWrk) console.log('wrk not found (apt-get install -y wrk); comparing with autocannon only');
  const target = await startTarget();
  try {
    console.log(`target: Bun.serve "ok" at ${target.base}; ${navigator.hardwareConcurrency} CPUs; bun ${Bun.version}`);
    console.log(`\nmaximum rate: ${CONNECTIONS} connections, ${MAX_SECONDS} s, best of ${ROUNDS} rounds (wrk with 1 thread)`);
    const best = await maxRate(target.base + '/', haveWrk);
    for (const [tool, rate] of Object.entries(best)) console.log(`  ${tool.padEnd(12)}${fmt(rate, 0).padStart(10)} req/s`);
    console.log(`  loadgen / autocannon: ${ratio(best.loadgen, best.autocannon)}   loadgen / wrk: ${ratio(best.loadgen, best.wrk)}`);
    printRateTable(
      `same closed loop: ${RATE_CONNECTIONS} connections on the ${SLOW_MS} ms path`,
      await sameClosedLoop(target.base + '/slow', haveWrk),
    );
    printRateTable(
      `fixed offered rate ${RATE} req/s, ${RATE_CONNECTIONS} connections, trivial path (each tool paces its own way)`,
      await atRate(target.base + '/', haveWrk),
    );
  } finally {
    target.stop();
  }
}

await main();
