/**
 * What admins' model rules cost a routed request: the same streamed call to the same instant local
 * upstream through one router, alternated between
 * - `open`: a model with no rule and no viewer — the request as it was before rules existed;
 * - `connection`: a model of a connection added at runtime (discovered, `<name>/<model>`);
 * - `role rule`: a viewer, and a model restricted to roles among 200 ruled models;
 * - `group rule`: the same, restricted to groups, so the viewer's groups are read from the
 *   embedded database (one indexed query), as `/v1` does then.
 * Prints latency percentiles per variant and the difference and ratio to `open`.
 * Run: `bun run bench:model-access [requests]`.
 */
import { openPglite } from '../src/db/client';
import { groupMembers, groups } from '../src/db/schema';
import { setLogLevel } from '../src/lib/logger';
import { groupsOf } from '../src/modules/groups/membership';
import type { ModelPolicy, ModelViewer } from '../src/providers/model-access';
import { createRouter } from '../src/providers/router';
import { startFakeUpstream } from '../src/testing/fake-upstream';
import { createUser } from '../src/testing/users';

setLogLevel('error');
const N = Number(process.argv[2] ?? 2000);
const WARMUP = 200;
const upstream = await startFakeUpstream({ tokens: 20, models: ['gpt-4o-mini', 'gpt-4o'] });
const baseURL = `${upstream.url}/v1`;
const router = createRouter({ openai: { apiKey: 'sk-bench', baseURL } });
const database = openPglite();
await database.migrate();
const userId = await createUser(database);
const [group] = await database.db.insert(groups).values({ name: 'bench' }).returning();
await database.db.insert(groupMembers).values({ groupId: group.id, userId });

const policies = new Map<string, ModelPolicy>();
for (let i = 0; i < 200; i++) policies.set(`team/model-${i}`, { enabled: true, access: { roles: ['admin'], groups: [`g${i}`] } });
policies.set('gpt-4o', { enabled: true, access: { roles: ['user'] } });
policies.set('team/gpt-4o-mini', { enabled: true, access: { groups: ['bench'] } });
router.configure({ connections: [{ name: 'team', kind: 'openai', baseUrl: baseURL, apiKey: 'sk-bench' }], policies });

/** A viewer as `/v1` builds it for each request: groups read at most once, and only when a rule asks. */
function viewer(): ModelViewer {
  let read: Promise<string[]> | undefined;
  return { role: 'user', groups: () => (read ??= groupsOf(database.db, userId)) };
}

const messages = [{ role: 'user' as const, content: 'Benchmark prompt with a few words in it.' }];
const variants = {
  open: () => ({ model: 'gpt-4o-mini' }),
  connection: () => ({ model: 'team/gpt-4o-mini', viewer: undefined }),
  'role rule': () => ({ model: 'gpt-4o', viewer: viewer() }),
  'group rule': () => ({ model: 'team/gpt-4o-mini', viewer: viewer() }),
} as const;
type Variant = keyof typeof variants;

async function once(variant: Variant): Promise<number> {
  const t0 = performance.now();
  let text = 0;
  for await (const e of router.stream({ ...variants[variant](), messages, signal: new AbortController().signal }))
    if (e.type === 'text') text++;
  if (text === 0) throw new Error(`${variant}: no answer`);
  return performance.now() - t0;
}

const names = Object.keys(variants) as Variant[];
const samples = Object.fromEntries(names.map((n) => [n, [] as number[]])) as Record<Variant, number[]>;
for (let i = 0; i < WARMUP; i++) await once(names[i % names.length]);
for (let i = 0; i < N; i++) for (const n of names) samples[n].push(await once(n));
await upstream.stop();
await database.close();

const pct = (xs: number[], p: number) => xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
console.log(`${N} streamed requests per variant, alternated`);
for (const p of [50, 95, 99]) {
  const base = pct(samples.open, p);
  const cells = names.slice(1).map((n) => {
    const v = pct(samples[n], p);
    return `${n} ${v.toFixed(3)} ms (+${(v - base).toFixed(3)}, ×${(v / base).toFixed(2)})`;
  });
  console.log(`p${p}: open ${base.toFixed(3)} ms | ${cells.join(' | ')}`);
}
