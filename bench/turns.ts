/**
 * Persisted chat turns per second: `POST /api/chat` against an instant fake upstream at 20
 * connections, on the embedded database and (with --database-url or TEST_DATABASE_URL) on
 * PostgreSQL, against a bare Bun.serve doing the essential writes of a turn with raw SQL on the
 * same database kind in the same run (bench/bare-turns.ts): the ratio shows how far from the
 * ceiling Confab is. CPU per turn is read per thread from /proc: the main thread, and the
 * busiest other one (the embedded database's worker).
 *   bun run bench:turns [--seconds 15] [--connections 20] [--database-url postgres://…] [--only embedded|postgres]
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { provisionApiKey } from '../loadgen/auth';
import { parseOptions } from '../loadgen/options';
import { runLoadgen } from '../loadgen/run';
import { fmt, printTable } from './confab-process';
import { type Server, startEmbedded } from './embedded-process';

const { values: v } = parseArgs({
  options: {
    seconds: { type: 'string', default: '15' },
    connections: { type: 'string', default: '20' },
    'database-url': { type: 'string' },
    only: { type: 'string' },
  },
});
const SECONDS = Number(v.seconds);
const CONNECTIONS = Number(v.connections);
const DATABASE_URL = v['database-url'] ?? process.env.TEST_DATABASE_URL;
const MODEL = 'gpt-4o-mini';
const ROOT = new URL('../', import.meta.url).pathname;
const PORTS = { upstream: 58120, confab: 58121, bare: 58122 };
const TARGET = { rate: 500, p99: 50 };

async function waitReady(url: string, child: Bun.Subprocess): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`${url}: the process exited with ${child.exitCode}`);
    if (
      await fetch(url).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    await Bun.sleep(50);
  }
  throw new Error(`${url} never answered`);
}

async function spawn(args: string[], readyUrl: string): Promise<{ pid: number; stop(): Promise<void> }> {
  const child = Bun.spawn(['bun', ...args], { cwd: ROOT, stdout: 'ignore', stderr: 'inherit' });
  await waitReady(readyUrl, child);
  return { pid: child.pid, stop: async () => void (child.kill('SIGTERM'), await child.exited) };
}

/** CPU seconds per thread of `pid`, by thread id. */
function threadCpu(pid: number): Map<number, number> {
  const ticks = new Map<number, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks.set(Number(tid), (Number(fields[11]) + Number(fields[12])) / 100);
    } catch {}
  }
  return ticks;
}

interface Figures {
  rate: number;
  p50: number;
  p99: number;
  errors: number;
  mainMs: number;
  otherMs: number;
  totalMs: number;
}

async function load(url: string, key: string | null, pid: number): Promise<Figures> {
  const auth = ['--api-key', key ?? 'bare-ignores-it'];
  const args = ['--mode', 'chat', '--url', url, '--model', MODEL, ...auth, '-c', String(CONNECTIONS), '-q', '--timeout', '30s'];
  await runLoadgen(parseOptions([...args, '-d', '2s'])!);
  const before = threadCpu(pid);
  const run = (await runLoadgen(parseOptions([...args, '-d', `${SECONDS}s`])!)).runs[0];
  const after = threadCpu(pid);
  const spent = [...after].map(([tid, s]) => ({ tid, s: s - (before.get(tid) ?? 0) }));
  const ok = Math.max(1, run.summary.ok);
  const perTurn = (s: number) => (s * 1000) / ok;
  const main = spent.find((t) => t.tid === pid)?.s ?? 0;
  const other = Math.max(0, ...spent.filter((t) => t.tid !== pid).map((t) => t.s));
  return {
    rate: run.summary.okRate,
    p50: run.latency.serviceTime?.p50 ?? Number.NaN,
    p99: run.latency.serviceTime?.p99 ?? Number.NaN,
    errors: run.summary.errors,
    mainMs: perTurn(main),
    otherMs: perTurn(other),
    totalMs: perTurn(spent.reduce((sum, t) => sum + t.s, 0)),
  };
}

/** A fresh database of this benchmark's own on the server at `url`. */
async function freshDatabase(url: string, name: string): Promise<string> {
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists ${name} with (force)`);
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function confabRun(kind: 'embedded' | 'postgres', dir: string): Promise<Figures> {
  const env: Record<string, string> = {
    OPENAI_API_KEY: 'sk-bench',
    OPENAI_BASE_URL: `http://127.0.0.1:${PORTS.upstream}/v1`,
    RATE_LIMIT_RPM: '1000000000',
    RATE_LIMIT_TPM: '1000000000',
    SIGNUP_RATE_PER_HOUR: '0',
  };
  if (kind === 'postgres') env.DATABASE_URL = await freshDatabase(DATABASE_URL!, 'bench_turns_confab');
  const server: Server = await startEmbedded(PORTS.confab, `${dir}/confab`, env);
  try {
    return await load(server.url, await provisionApiKey(server.url), server.pid);
  } finally {
    await server.stop();
  }
}

async function bareRun(kind: 'embedded' | 'postgres', dir: string): Promise<Figures> {
  const where =
    kind === 'postgres' ? ['--database-url', await freshDatabase(DATABASE_URL!, 'bench_turns_bare')] : ['--data-dir', `${dir}/bare`];
  const args = ['bench/bare-turns.ts', '--port', String(PORTS.bare), '--upstream', `http://127.0.0.1:${PORTS.upstream}`, '--model', MODEL];
  const url = `http://127.0.0.1:${PORTS.bare}`;
  const bare = await spawn([...args, ...where], `${url}/ready`);
  try {
    return await load(url, null, bare.pid);
  } finally {
    await bare.stop();
  }
}

const kinds = (['embedded', 'postgres'] as const).filter((k) => (!v.only || v.only === k) && (k === 'embedded' || DATABASE_URL));
if (!DATABASE_URL) console.log('PostgreSQL skipped: pass --database-url or set TEST_DATABASE_URL');
const upstream = await spawn(
  ['src/testing/fake-upstream/cli.ts', '--port', String(PORTS.upstream), '--tokens', '16', '--models', MODEL],
  `http://127.0.0.1:${PORTS.upstream}/health`,
);
const rows: string[][] = [];
try {
  for (const kind of kinds) {
    const dir = mkdtempSync('/tmp/bench-turns-');
    try {
      const bare = await bareRun(kind, dir);
      const confab = await confabRun(kind, dir);
      const meets = confab.rate >= TARGET.rate && confab.p99 <= TARGET.p99 ? 'meets' : 'misses';
      for (const [name, f] of [
        ['bare', bare],
        ['confab', confab],
      ] as const)
        rows.push([
          kind,
          name,
          fmt(f.rate, 0),
          fmt(f.p50, 1),
          fmt(f.p99, 1),
          String(f.errors),
          fmt(f.mainMs),
          fmt(f.otherMs),
          fmt(f.totalMs),
          name === 'confab' ? `${fmt(confab.rate / bare.rate)}x, ${meets}` : '',
        ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
} finally {
  await upstream.stop();
}
console.log(
  `\n${CONNECTIONS} connections, ${SECONDS} s per run, load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`,
);
printTable(
  [
    'database',
    'server',
    'turns/s',
    'p50 ms',
    'p99 ms',
    'errors',
    'main CPU ms/turn',
    'other thread ms/turn',
    'process ms/turn',
    `vs bare (target ≥ ${TARGET.rate}/s, p99 ≤ ${TARGET.p99} ms)`,
  ],
  rows,
);
