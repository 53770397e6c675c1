/**
 * Helpers for the embedded-default benchmarks: a Confab process (or a bare Bun.serve, the floor any
 * Bun server pays) on a fixed port of the benchmark range, its memory with every process it
 * started, and its event-loop delay as bench/loop-probe.ts saw it.
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';

const ROOT = new URL('../', import.meta.url).pathname;
const PROBE = 'bench/loop-probe.ts';

export interface LoopDelay {
  p50: number;
  p99: number;
  max: number;
  count: number;
}

export interface Server {
  url: string;
  pid: number;
  /** Milliseconds from spawn to the first 200 from its readiness path. */
  readyMs: number;
  rssMiB(): number;
  /** Event-loop delay since the previous call (or since start). */
  loopDelay(): Promise<LoopDelay>;
  stop(): Promise<void>;
}

function childrenOf(pid: number): number[] {
  const tasks = `/proc/${pid}/task`;
  if (!existsSync(tasks)) return [];
  return readdirSync(tasks).flatMap((tid) => {
    try {
      return readFileSync(`${tasks}/${tid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    } catch {
      return [];
    }
  });
}

/** Resident memory of `pid` and all its descendants: a database moved into a child still counts. */
export function treeRssMiB(pid: number): number {
  let kb = 0;
  for (const p of [pid, ...childrenOf(pid).flatMap((c) => [c, ...childrenOf(c)])]) {
    try {
      kb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0);
    } catch {}
  }
  return kb / 1024;
}

async function waitFor(url: string, child: Bun.Subprocess, deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url}: the process exited with ${child.exitCode}`);
    const ok = await fetch(url).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await Bun.sleep(5);
  }
  throw new Error(`${url} never answered`);
}

/** This process's environment without the variables that would point a server at shared services. */
function embeddedEnv(): Record<string, string | undefined> {
  const { DATABASE_URL: _db, REDIS_URL: _redis, KAFKA_BROKERS: _kafka, ...rest } = process.env;
  return rest;
}

async function spawnServer(args: string[], port: number, readyPath: string, env: Record<string, string>): Promise<Server> {
  const probeOut = `/tmp/embedded-probe-${port}-${process.pid}.json`;
  rmSync(probeOut, { force: true });
  const t0 = performance.now();
  const child = Bun.spawn(['bun', '--preload', `./${PROBE}`, ...args], {
    cwd: ROOT,
    env: { ...embeddedEnv(), ...env, PORT: String(port), LOOP_PROBE_OUT: probeOut },
    stdout: 'ignore',
    stderr: 'inherit',
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}${readyPath}`, child, Date.now() + 60_000);
  const readyMs = performance.now() - t0;
  return {
    url,
    pid: child.pid,
    readyMs,
    rssMiB: () => treeRssMiB(child.pid),
    loopDelay: async () => {
      rmSync(probeOut, { force: true });
      child.kill('SIGUSR2');
      for (let i = 0; i < 200 && !existsSync(probeOut); i++) await Bun.sleep(10);
      return JSON.parse(readFileSync(probeOut, 'utf8')) as LoopDelay;
    },
    stop: async () => {
      child.kill('SIGTERM');
      await child.exited;
      rmSync(probeOut, { force: true });
    },
  };
}

const BARE = 'Bun.serve({ port: Number(process.env.PORT), hostname: "127.0.0.1", fetch: () => new Response("ok") })';

/** A bare Bun.serve answering "ok" on every path. */
export const startBare = (port: number) => spawnServer(['-e', BARE], port, '/', {});

/** Confab on its embedded defaults (no DATABASE_URL, Redis or Kafka) in `dataDir`. */
export function startEmbedded(port: number, dataDir: string, env: Record<string, string> = {}): Promise<Server> {
  return spawnServer(['src/index.ts'], port, '/ready', { DATA_DIR: dataDir, HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env });
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export function percentile(xs: number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}
