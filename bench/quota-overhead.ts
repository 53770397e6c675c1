/**
 * What quotas add to a turn: one process serves `/v1/chat/completions` (the offline model, in
 * process) to two users in pairs, one with a tokens-per-day and a spend-per-month quota it
 * never reaches and one with no quota, so both see the same machine at the same moments. Prints
 * p50/p99 of each and the difference, for the whole turn and for the admission step alone (limits,
 * quota hold, rate limits, settle), on in-process counters and, with TEST_REDIS_URL, on Redis.
 * Target: at most 0.2 ms more at p99.
 *
 *   bun run bench:quota [--rounds 5] [--turns 2000] [--checks 20000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../src/app';
import { loadConfig } from '../src/config';
import { createContext } from '../src/create-context';
import { openPglite } from '../src/db/client';

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const TURNS = Number(arg('turns') ?? 2_000);
const ROUNDS = Number(arg('rounds') ?? 5);
const CHECKS = Number(arg('checks') ?? 20_000);
const TARGET_MS = 0.2;
const BODY = JSON.stringify({ model: 'offline', messages: [{ role: 'user', content: 'What does the handbook say about travel?' }] });

const pair = () => (Math.random() < 0.5 ? (['quota', 'off'] as const) : (['off', 'quota'] as const));
const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];

async function measure(store: 'memory' | 'redis') {
  const dataDir = mkdtempSync(join(tmpdir(), 'confab-bench-quota-'));
  const database = openPglite('memory://');
  await database.migrate();
  const env: Record<string, string> = { LOG_LEVEL: 'error', DATA_DIR: dataDir, RATE_LIMIT_RPM: '1000000000', RATE_LIMIT_TPM: '1000000000' };
  if (store === 'redis') env.REDIS_URL = process.env.TEST_REDIS_URL!;
  const root = createContext(loadConfig(env), { database });
  await root.started;
  const app = createApp(root.ctx);
  const call = (method: string, path: string, cookie?: string, body?: string) =>
    app.handle(
      new Request(`http://localhost${path}`, {
        method,
        body,
        headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
      }),
    );
  const signup = async () => {
    const res = await call(
      'POST',
      '/api/auth/signup',
      undefined,
      JSON.stringify({ email: `${crypto.randomUUID()}@confab.invalid`, password: 'bench password 1' }),
    );
    return { cookie: (res.headers.get('set-cookie') ?? '').split(';')[0], id: ((await res.json()) as { id: string }).id };
  };
  try {
    const admin = await signup();
    const users = { quota: await signup(), off: await signup() };
    const limits = JSON.stringify({ limits: { tokensPerDay: 1_000_000_000_000, usdPerMonth: 1_000_000 } });
    const set = await call('PATCH', `/api/admin/users/${users.quota.id}`, admin.cookie, limits);
    if (set.status !== 200) throw new Error(`could not set limits: ${set.status}`);

    const rounds: { quota: number[]; off: number[] }[] = [];
    const turn = async (who: 'quota' | 'off') => {
      const t = performance.now();
      const res = await call('POST', '/v1/chat/completions', users[who].cookie, BODY);
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`turn answered ${res.status}`);
      return performance.now() - t;
    };
    for (let i = 0; i < 200; i++) await turn(i % 2 ? 'quota' : 'off');
    // Which user goes first in each pair is drawn at random: periodic work (the usage writer's
    // batches, GC) must not land on one user's turns by the parity of a fixed order.
    for (let r = 0; r < ROUNDS; r++) {
      const round = { quota: [] as number[], off: [] as number[] };
      for (let i = 0; i < TURNS; i++) for (const who of pair()) round[who].push(await turn(who));
      rounds.push(round);
    }

    const checks = { quota: [] as number[], off: [] as number[] };
    const estimate = { model: 'gpt-4o-mini', inputTokens: 40, outputTokens: 1024 };
    const spent = { tokens: 300, usd: 0.0002 };
    const check = async (who: 'quota' | 'off') => {
      const t = performance.now();
      const r = await root.ctx.limiter.reserve({ userId: users[who].id }, estimate);
      const elapsed = performance.now() - t;
      await r.settle(spent);
      return elapsed;
    };
    for (let i = 0; i < 1_000; i++) await check(i % 2 ? 'quota' : 'off');
    for (let i = 0; i < CHECKS; i++) for (const who of pair()) checks[who].push(await check(who));
    return { rounds, checks };
  } finally {
    await root.close();
    await database.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const f = (n: number) => `${n.toFixed(3)} ms`.padStart(10);
const median = (xs: number[]) => percentile(xs, 0.5);

function line(what: string, q50: number, q99: number, o50: number, o99: number) {
  const added = q99 - o99;
  console.log(
    `${what.padEnd(24)} ${f(q50)} ${f(q99)}   ${f(o50)} ${f(o99)}   ${f(added)}  ${(q99 / o99).toFixed(3).padStart(6)}  ${added <= TARGET_MS ? 'met' : 'MISSED'}`,
  );
}

/** A turn's p99 moves by tenths of a millisecond from one run to the next: each figure is the median over rounds. */
function reportTurns(what: string, rounds: { quota: number[]; off: number[] }[]) {
  const per = (who: 'quota' | 'off', p: number) => median(rounds.map((r) => percentile(r[who], p)));
  line(what, per('quota', 0.5), per('quota', 0.99), per('off', 0.5), per('off', 0.99));
}

function reportChecks(what: string, xs: { quota: number[]; off: number[] }) {
  line(what, percentile(xs.quota, 0.5), percentile(xs.quota, 0.99), percentile(xs.off, 0.5), percentile(xs.off, 0.99));
}

const stores: ('memory' | 'redis')[] = process.env.TEST_REDIS_URL ? ['memory', 'redis'] : ['memory'];
if (!process.env.TEST_REDIS_URL) console.log('TEST_REDIS_URL is not set: measuring in-process counters only');
console.log(`${ROUNDS} rounds of ${TURNS} turns, then ${CHECKS} admission checks, per user, in pairs of one each, in random order\n`);
console.log(`${''.padEnd(24)}  quota p50  quota p99     off p50    off p99   added p99  ratio   target ≤ ${TARGET_MS} ms`);
for (const store of stores) {
  const r = await measure(store);
  reportTurns(`turn, ${store}`, r.rounds);
  reportChecks(`admission, ${store}`, r.checks);
}
process.exit(0);
