import { type SQL, sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { AppError } from '../../lib/errors';
import type { AdminUsageQuery, GroupBy, UsageRow, UsageTotals } from './model';
import { totalsOf } from './service';

const DAY_MS = 86_400_000;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** A date is its UTC midnight; a date-time is that instant. */
function instant(value: string): Date {
  const d = new Date(DATE_ONLY.test(value) ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(+d)) throw new AppError('invalid_range', { message: `"${value}" is not a date or a date-time` });
  return d;
}

const startOfMonth = (at: number) => {
  const d = new Date(at);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1));
};
const floorDay = (d: Date) => new Date(Math.floor(+d / DAY_MS) * DAY_MS);
const ceilDay = (d: Date) => new Date(Math.ceil(+d / DAY_MS) * DAY_MS);
const dayOf = (d: Date) => d.toISOString().slice(0, 10);

/**
 * Every call from `from` up to `to`, one row per day, user and model: whole UTC days from the
 * daily sums, the partial days at either end from usage_logs itself. A range of months reads a
 * few rows per day, however many calls it holds.
 */
function callsBetween(from: Date, to: Date): SQL {
  const fullStart = ceilDay(from);
  const fullEnd = floorDay(to);
  const raw = (a: Date, b: Date) => sql`
    select (created_at at time zone 'UTC')::date as day, user_id, model, count(*)::int8 as requests, sum(prompt_tokens)::int8 as prompt_tokens,
      sum(completion_tokens)::int8 as completion_tokens, coalesce(sum(cost_usd::float8), 0) as cost_usd
    from usage_logs where created_at >= ${a.toISOString()}::timestamptz and created_at < ${b.toISOString()}::timestamptz
    group by 1, 2, 3`;
  if (+fullStart >= +fullEnd) return raw(from, to);
  return sql`
    select day, user_id, model, requests::int8, prompt_tokens, completion_tokens, cost_usd
    from usage_daily where day >= ${dayOf(fullStart)}::date and day < ${dayOf(fullEnd)}::date
    union all ${raw(from, fullStart)}
    union all ${raw(fullEnd, to)}`;
}

/**
 * Per grouping: the key rows are summed by (with what that needs joined first), and how the key
 * reads once summed (with what its label needs, joined to the few summed rows only).
 */
const GROUPINGS: Record<GroupBy, { key: SQL; before: SQL; text: SQL; label: SQL; after: SQL }> = {
  user: { key: sql`c.user_id`, before: sql``, text: sql`s.key::text`, label: sql`u.email`, after: sql`left join users u on u.id = s.key` },
  model: { key: sql`c.model`, before: sql``, text: sql`s.key`, label: sql`s.key`, after: sql`` },
  day: { key: sql`c.day`, before: sql``, text: sql`to_char(s.key, 'YYYY-MM-DD')`, label: sql`to_char(s.key, 'YYYY-MM-DD')`, after: sql`` },
  // A user in two groups counts in both; users in no group share the row whose key is null.
  group: {
    key: sql`m.group_id`,
    before: sql`left join group_members m on m.user_id = c.user_id`,
    text: sql`s.key::text`,
    label: sql`g.name`,
    after: sql`left join groups g on g.id = s.key`,
  },
};

/** Days in order; anything else the most expensive first, then the most tokens, then by key. */
function compareRows(groupBy: GroupBy) {
  const byKey = (a: UsageRow, b: UsageRow) => (a.key === b.key ? 0 : a.key === null ? 1 : b.key === null ? -1 : a.key < b.key ? -1 : 1);
  if (groupBy === 'day') return byKey;
  return (a: UsageRow, b: UsageRow) => b.costUsd - a.costUsd || b.tokens - a.tokens || byKey(a, b);
}

interface ReportRow {
  kind: 'row' | 'total';
  key: string | null;
  label: string | null;
  requests: number;
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
}

/** `GET /api/admin/usage`: requests, tokens and cost from `from` to `to`, grouped, with the range's totals. */
export async function usageReport(database: Database, q: AdminUsageQuery, now = Date.now()) {
  const from = q.from ? instant(q.from) : startOfMonth(now);
  const to = q.to ? instant(q.to) : new Date(now);
  if (+from >= +to) throw new AppError('invalid_range');
  const groupBy = q.groupBy ?? 'user';
  const g = GROUPINGS[groupBy];
  const result = await database.rows<ReportRow>(sql`
    with c as materialized (${callsBetween(from, to)})
    select 'row' as kind, ${g.text} as key, ${g.label} as label, s.requests, s.prompt_tokens as "promptTokens",
      s.completion_tokens as "completionTokens", s.cost_usd as "costUsd"
    from (
      select ${g.key} as key, sum(c.requests)::float8 as requests, sum(c.prompt_tokens)::float8 as prompt_tokens,
        sum(c.completion_tokens)::float8 as completion_tokens, sum(c.cost_usd)::float8 as cost_usd
      from c ${g.before} group by 1
    ) s ${g.after}
    union all
    select 'total', null, null, coalesce(sum(requests), 0)::float8, coalesce(sum(prompt_tokens), 0)::float8,
      coalesce(sum(completion_tokens), 0)::float8, coalesce(sum(cost_usd), 0)::float8
    from c`);
  const rows: UsageRow[] = result
    .filter((r) => r.kind === 'row')
    .map((r) => ({ key: r.key, label: r.label, ...totalsOf(r) }))
    .sort(compareRows(groupBy));
  const totals: UsageTotals = totalsOf(result.find((r) => r.kind === 'total'));
  return { from: from.toISOString(), to: to.toISOString(), groupBy, rows, totals };
}

/** A cell a spreadsheet reads as text, never as a formula. */
function cell(value: string | number | null): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

const CSV_COLUMNS = ['key', 'label', 'requests', 'prompt_tokens', 'completion_tokens', 'tokens', 'cost_usd'];

export function reportCsv(rows: readonly UsageRow[]): string {
  const lines = rows.map((r) => [r.key, r.label, r.requests, r.promptTokens, r.completionTokens, r.tokens, r.costUsd].map(cell).join(','));
  return `${[CSV_COLUMNS.join(','), ...lines].join('\r\n')}\r\n`;
}
