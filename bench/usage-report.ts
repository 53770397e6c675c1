/**
 * The admin usage report over a large usage log, on PostgreSQL: p50/p99 of `GET /api/admin/usage`'s
 * query for each grouping over 90 days whose ends fall inside a day, against the baseline measured
 * in the same run: the same totals summed straight from usage_logs, as a report without the daily
 * sums would. Target: p99 at most 200 ms per grouping.
 *
 *   bun run bench:usage-report [--database-url URL] [--rows 1000000] [--users 200] [--runs 40]
 */
import { sql } from 'drizzle-orm';
import { openPostgres } from '../src/db/client';
import type { GroupBy } from '../src/modules/usage/model';
import { usageReport } from '../src/modules/usage/report';
import { createScratchDatabase } from '../src/testing/databases';

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const url = arg('database-url') ?? process.env.TEST_DATABASE_URL;
const ROWS = Number(arg('rows') ?? 1_000_000);
const USERS = Number(arg('users') ?? 200);
const RUNS = Number(arg('runs') ?? 40);
const MODELS = 8;
const DAYS = 90;
const TARGET_P99_MS = 200;
const GROUP_BYS: GroupBy[] = ['user', 'model', 'day', 'group'];

const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];

/** The same rows a report of `groupBy` sums, straight from usage_logs. */
const BASELINES: Record<GroupBy, ReturnType<typeof sql>> = {
  user: sql`l.user_id::text`,
  model: sql`l.model`,
  day: sql`to_char((l.created_at at time zone 'UTC')::date, 'YYYY-MM-DD')`,
  group: sql`g.id::text`,
};

async function main() {
  if (!url) {
    console.log('bench:usage-report needs PostgreSQL: pass --database-url or set TEST_DATABASE_URL');
    return;
  }
  const scratch = await createScratchDatabase(url);
  const database = openPostgres(scratch.url, 2);
  try {
    await database.migrate();
    const started = performance.now();
    await database.rows(sql`
      insert into users (id, email, password_hash)
      select ('00000000-0000-4000-8000-' || lpad(i::text, 12, '0'))::uuid, 'bench-' || i || '@confab.invalid', '-'
      from generate_series(1, ${USERS}::int) i`);
    await database.rows(sql`insert into groups (name) select 'team-' || i from generate_series(1, 10) i`);
    // Every user in one team, a fifth of them in a second one too.
    await database.rows(sql`
      insert into group_members (group_id, user_id)
      select g.id, u.id from users u join groups g on g.name = 'team-' || (1 + (abs(hashtext(u.id::text)) % 10))
      union
      select g.id, u.id from users u join groups g on g.name = 'team-' || (1 + (abs(hashtext(u.email)) % 10))
      where abs(hashtext(u.id::text)) % 5 = 0`);
    // Each user calls three of the models, at any time over the last 90 days; inserted in batches
    // the way the usage writer inserts them, so the daily sums are kept by the same trigger.
    const batch = 100_000;
    for (let offset = 0; offset < ROWS; offset += batch) {
      await database.rows(sql`
        insert into usage_logs (request_id, user_id, model, provider, prompt_tokens, completion_tokens, latency_ms, status, cost_usd, created_at)
        select 'bench-' || g, ('00000000-0000-4000-8000-' || lpad((1 + g % u)::text, 12, '0'))::uuid,
          'openai/model-' || ((g % u + (g / u) % 3) % ${MODELS}::int), 'openai', 50 + g % 900, 20 + g % 400, 100, 'ok',
          (g % 1000) / 1e6::real, now() - (((g::int8 * 7919) % (${DAYS}::int * 86400))::text || ' seconds')::interval
        from generate_series(${offset + 1}::int, ${Math.min(ROWS, offset + batch)}::int) g, (select ${USERS}::int as u) k`);
    }
    await database.rows(sql`vacuum analyze`);
    const [{ rows, days }] = await database.rows<{ rows: number; days: number }>(
      sql`select (select count(*) from usage_logs)::int as rows, (select count(*) from usage_daily)::int as days`,
    );
    console.log(
      `${rows} usage rows (${days} daily sums) over ${DAYS} days, ${USERS} users, ${MODELS} models, loaded in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );

    const now = Date.now();
    const from = new Date(now - (DAYS - 0.5) * 86_400_000).toISOString();
    const to = new Date(now).toISOString();
    console.log(`range ${from} to ${to}; ${RUNS} runs each after 3 warm-ups\n`);
    console.log('group by  report p50   report p99   baseline p50  baseline p99  p99 ratio  target');
    for (const groupBy of GROUP_BYS) {
      const join =
        groupBy === 'group' ? sql`left join group_members m on m.user_id = l.user_id left join groups g on g.id = m.group_id` : sql``;
      const baseline = () =>
        database.rows(sql`
          select ${BASELINES[groupBy]} as key, count(*), sum(l.prompt_tokens), sum(l.completion_tokens), sum(l.cost_usd::float8)
          from usage_logs l ${join} where l.created_at >= ${from}::timestamptz and l.created_at < ${to}::timestamptz group by 1`);
      const report = () => usageReport(database, { from, to, groupBy }, now);
      const timings = { report: [] as number[], baseline: [] as number[] };
      for (let i = 0; i < 3; i++) await Promise.all([report(), baseline()].map((p) => p.then(() => {})));
      for (let i = 0; i < RUNS; i++) {
        // Alternating which goes first spreads slow drifts of the machine over both.
        for (const which of i % 2 ? (['baseline', 'report'] as const) : (['report', 'baseline'] as const)) {
          const t = performance.now();
          await (which === 'report' ? report() : baseline());
          timings[which].push(performance.now() - t);
        }
      }
      const p = (xs: number[], q: number) => percentile(xs, q).toFixed(1).padStart(9);
      const ratio = percentile(timings.report, 0.99) / percentile(timings.baseline, 0.99);
      const ok = percentile(timings.report, 0.99) <= TARGET_P99_MS ? 'met' : 'MISSED';
      console.log(
        `${groupBy.padEnd(8)} ${p(timings.report, 0.5)} ms ${p(timings.report, 0.99)} ms ${p(timings.baseline, 0.5)} ms  ${p(timings.baseline, 0.99)} ms  ${ratio.toFixed(3).padStart(8)}  p99 ≤ ${TARGET_P99_MS} ms ${ok}`,
      );
    }
  } finally {
    await database.close();
    await scratch.drop();
  }
}

await main();
