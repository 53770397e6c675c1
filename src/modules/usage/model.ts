import { type Static, t } from 'elysia';
import { MAX_TOKENS_PER_DAY, MAX_USD_PER_MONTH } from '../../config';

const RATE = { minimum: 1, maximum: 1_000_000_000 };

/**
 * Quotas as a user, a group or the server default sets them. An absent key sets nothing at that
 * level (the next level decides); `null` is "no limit"; a number is the limit.
 */
export const Limits = t.Object(
  {
    rpm: t.Optional(t.Nullable(t.Integer({ ...RATE, description: 'Requests per minute' }))),
    tpm: t.Optional(t.Nullable(t.Integer({ ...RATE, description: 'Tokens per minute' }))),
    tokensPerDay: t.Optional(
      t.Nullable(t.Integer({ minimum: 0, maximum: MAX_TOKENS_PER_DAY, description: 'Prompt and completion tokens per UTC day' })),
    ),
    usdPerMonth: t.Optional(
      t.Nullable(t.Number({ minimum: 0, maximum: MAX_USD_PER_MONTH, description: 'Spend per UTC calendar month, in USD' })),
    ),
  },
  { additionalProperties: false },
);
export type Limits = Static<typeof Limits>;

export const LIMIT_KINDS = ['rpm', 'tpm', 'tokensPerDay', 'usdPerMonth'] as const;
export type LimitKind = (typeof LIMIT_KINDS)[number];

/** Where an effective limit came from. */
export const LimitSource = t.Union([t.Literal('user'), t.Literal('group'), t.Literal('default')]);

/** Every limit decided: a number, or null for none. */
export const EffectiveLimits = t.Object({
  rpm: t.Nullable(t.Integer()),
  tpm: t.Nullable(t.Integer()),
  tokensPerDay: t.Nullable(t.Integer()),
  usdPerMonth: t.Nullable(t.Number()),
});
export type EffectiveLimits = Static<typeof EffectiveLimits>;

export const UsageTotals = t.Object({
  requests: t.Integer(),
  promptTokens: t.Integer(),
  completionTokens: t.Integer(),
  tokens: t.Integer(),
  costUsd: t.Number(),
});
export type UsageTotals = Static<typeof UsageTotals>;

const Period = t.Composite([t.Object({ from: t.String({ format: 'date-time' }), to: t.String({ format: 'date-time' }) }), UsageTotals]);

const Quota = t.Object({
  limit: t.Nullable(t.Number()),
  source: LimitSource,
  used: t.Number({ description: 'What was charged in this window' }),
  reserved: t.Number({ description: 'Held by turns still running' }),
  remaining: t.Nullable(t.Number({ description: 'null without a limit' })),
  resetsAt: t.String({ format: 'date-time' }),
});

const Rate = t.Object({ limit: t.Nullable(t.Integer()), source: LimitSource });

export const MyUsage = t.Object({
  today: Period,
  month: Period,
  limits: t.Object({ rpm: Rate, tpm: Rate, tokensPerDay: Quota, usdPerMonth: Quota }),
});

const instant = (description: string) => t.Union([t.String({ format: 'date' }), t.String({ format: 'date-time' })], { description });

const groupByField = (options?: { default: string }) =>
  t.Union([t.Literal('user'), t.Literal('model'), t.Literal('day'), t.Literal('group')], options);
export type GroupBy = Static<ReturnType<typeof groupByField>>;

export const AdminUsageQuery = t.Object({
  from: t.Optional(instant('Start (inclusive), a date or date-time; default: the start of this UTC month')),
  to: t.Optional(instant('End (exclusive), a date or date-time; default: now')),
  groupBy: t.Optional(groupByField({ default: 'user' })),
  format: t.Optional(t.Union([t.Literal('json'), t.Literal('csv')], { default: 'json' })),
});
export type AdminUsageQuery = Static<typeof AdminUsageQuery>;

export const UsageRow = t.Composite([
  t.Object({
    key: t.Nullable(t.String({ description: 'User id, model, day (YYYY-MM-DD) or group id; null: users in no group' })),
    label: t.Nullable(t.String({ description: "The user's email, the group's name; the key itself otherwise" })),
  }),
  UsageTotals,
]);
export type UsageRow = Static<typeof UsageRow>;

export const AdminUsage = t.Object({
  from: t.String({ format: 'date-time' }),
  to: t.String({ format: 'date-time' }),
  groupBy: groupByField(),
  rows: t.Array(UsageRow),
  totals: UsageTotals,
});
