import { and, eq, gte, lt, sql } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { usageDaily, usageLogs } from '../../db/schema';
import { type EventBus, TOPICS, type UsageEvent } from '../../infra/bus/types';
import { fromUnits, type QuotaKind, type QuotaLimiter, type QuotaWindow, type Spend, toUnits } from '../../infra/quota';
import { log } from '../../lib/logger';
import { deploymentLabel, prefixedDeployment } from '../../providers/model-config';
import { OFFLINE_MODEL_ID } from '../../providers/offline/provider';
import { estimateCostUsd } from '../../providers/pricing';
import type { Router } from '../../providers/router';
import type { Deployment, Usage } from '../../providers/types';
import type { LimitsResolver } from './effective-limits';
import type { UsageTotals } from './model';

export function usageRow(event: UsageEvent): typeof usageLogs.$inferInsert {
  return {
    requestId: event.requestId,
    userId: event.userId,
    apiKeyId: event.apiKeyId ?? null,
    conversationId: event.conversationId ?? null,
    model: event.model,
    provider: event.provider,
    promptTokens: event.promptTokens,
    completionTokens: event.completionTokens,
    latencyMs: Math.round(event.latencyMs),
    ttftMs: event.ttftMs === undefined || event.ttftMs === null ? null : Math.round(event.ttftMs),
    status: event.status,
    costUsd: event.costUsd ?? null,
    createdAt: new Date(event.at),
  };
}

/** Writes one LLM call to usage_logs; a redelivered event (same request id) changes nothing. */
export async function recordUsage(db: Db, event: UsageEvent): Promise<void> {
  await db.insert(usageLogs).values(usageRow(event)).onConflictDoNothing({ target: usageLogs.requestId });
}

/** Publishes a usage event keyed by user; a bus failure is logged, never thrown into a turn. */
export function publishUsage(bus: EventBus, event: UsageEvent): void {
  bus
    .publish(TOPICS.usageEvents, event.userId, event)
    .catch((error) => log.error('usage event not published', { error, requestId: event.requestId }));
}

/** One upstream LLM call, as usage accounting records it. */
export interface LlmCall {
  /** The deployment that answered; absent when the call failed before any deployment did. */
  deployment?: Deployment;
  /** The model id the caller asked for, recorded in place of a deployment that never answered. */
  requested: string;
  promptTokens: number;
  completionTokens: number;
  latencyMs: number;
  ttftMs: number | null;
  status: 'ok' | 'error' | 'cancelled';
  /** The router's price for the call (`Router.costOf`, admins' prices included); the list price when absent. */
  costUsd?: number | null;
}

/** The provider recorded for a call no deployment answered. */
const NO_PROVIDER = 'none';

export function costOf(deployment: Deployment, usage: { promptTokens: number; completionTokens: number }): number | null {
  return estimateCostUsd(deployment.provider, deployment.model, { inputTokens: usage.promptTokens, outputTokens: usage.completionTokens });
}

export function usageEvent(
  call: LlmCall,
  who: { requestId: string; userId: string; apiKeyId?: string | null; conversationId?: string | null },
): UsageEvent {
  const d = call.deployment;
  return {
    ...who,
    model: d ? deploymentLabel(d) : call.requested,
    provider: d?.provider ?? NO_PROVIDER,
    promptTokens: call.promptTokens,
    completionTokens: call.completionTokens,
    latencyMs: Math.round(call.latencyMs),
    ttftMs: call.ttftMs === null ? null : Math.round(call.ttftMs),
    status: call.status,
    costUsd: call.costUsd !== undefined ? call.costUsd : d ? costOf(d, call) : null,
    at: new Date().toISOString(),
  };
}

/** What a usage event spends against quotas: its tokens and the cost its row records. */
export function spendOf(event: UsageEvent): Spend {
  return { tokens: event.promptTokens + event.completionTokens, usd: event.costUsd ?? 0 };
}

/** Adds one call's spending to a turn's running total. */
export function addSpend(total: Spend, event: UsageEvent): void {
  const s = spendOf(event);
  total.tokens += s.tokens;
  total.usd += s.usd;
}

/**
 * What a call to the model a request names is expected to cost, before any deployment answers:
 * priced as the model itself at the router's price (an admin's price, else the list price; a
 * fallback may cost otherwise, and its usage row says what it did), 0 when its price is unknown.
 * A model id without a provider prices as a hosted model, whose list prices are keyed by name alone.
 */
export function estimatedCostUsd(router: Pick<Router, 'costOf'>, model: string, usage: Usage): number {
  const deployment: Deployment = prefixedDeployment(model) ?? { provider: model === OFFLINE_MODEL_ID ? 'offline' : 'openai', model };
  return router.costOf(deployment, usage) ?? 0;
}

const dayOf = (d: Date) => d.toISOString().slice(0, 10);

/** What usage_logs recorded for the user in a quota window, in the counter's units: where a counter starts. */
export async function recordedInWindow(db: Db, userId: string, window: QuotaWindow): Promise<number> {
  const total =
    window.kind === 'tokensPerDay'
      ? sql`sum(${usageDaily.promptTokens} + ${usageDaily.completionTokens})`
      : sql`sum(${usageDaily.costUsd})`;
  const [row] = await db
    .select({ value: sql<number>`coalesce(${total}, 0)::float8` })
    .from(usageDaily)
    .where(and(eq(usageDaily.userId, userId), gte(usageDaily.day, dayOf(window.start)), lt(usageDaily.day, dayOf(window.end))));
  return toUnits(window.kind, Number(row?.value ?? 0));
}

/** A user's totals over whole UTC days from `start` up to (not including) `end`. */
export async function totalsBetween(db: Db, userId: string, start: Date, end: Date): Promise<UsageTotals> {
  const [row] = await db
    .select({
      requests: sql<number>`coalesce(sum(${usageDaily.requests}), 0)::float8`,
      promptTokens: sql<number>`coalesce(sum(${usageDaily.promptTokens}), 0)::float8`,
      completionTokens: sql<number>`coalesce(sum(${usageDaily.completionTokens}), 0)::float8`,
      costUsd: sql<number>`coalesce(sum(${usageDaily.costUsd}), 0)::float8`,
    })
    .from(usageDaily)
    .where(and(eq(usageDaily.userId, userId), gte(usageDaily.day, dayOf(start)), lt(usageDaily.day, dayOf(end))));
  return totalsOf(row);
}

export function totalsOf(
  row: { requests: unknown; promptTokens: unknown; completionTokens: unknown; costUsd: unknown } | undefined,
): UsageTotals {
  const promptTokens = Math.round(Number(row?.promptTokens ?? 0));
  const completionTokens = Math.round(Number(row?.completionTokens ?? 0));
  return {
    requests: Math.round(Number(row?.requests ?? 0)),
    promptTokens,
    completionTokens,
    tokens: promptTokens + completionTokens,
    costUsd: Number(row?.costUsd ?? 0),
  };
}

export interface MyUsageParts {
  db: Db;
  limits: LimitsResolver;
  quotas: QuotaLimiter;
}

/**
 * `GET /api/usage`: the user's usage today and this month (UTC) and what remains of each limit.
 * A quota's `used` is what its counter was charged, or what the database recorded where no counter
 * runs; `remaining` leaves out what running turns hold.
 */
export async function myUsage(parts: MyUsageParts, userId: string) {
  const [resolved, levels] = await Promise.all([parts.limits.of(userId), parts.quotas.levels(userId)]);
  const byKind = new Map(levels.map((l) => [l.window.kind, l]));
  const day = byKind.get('tokensPerDay')!.window;
  const month = byKind.get('usdPerMonth')!.window;
  const [today, thisMonth] = await Promise.all([
    totalsBetween(parts.db, userId, day.start, day.end),
    totalsBetween(parts.db, userId, month.start, month.end),
  ]);
  const period = (start: Date, end: Date, totals: UsageTotals) => ({ from: start.toISOString(), to: end.toISOString(), ...totals });
  const quota = (kind: QuotaKind, recorded: number) => {
    const { window, level } = byKind.get(kind)!;
    const limit = resolved.limits[kind];
    const used = level ? fromUnits(kind, level.used) : recorded;
    const reserved = level ? fromUnits(kind, level.reserved) : 0;
    return {
      limit,
      source: resolved.sources[kind],
      used,
      reserved,
      remaining: limit === null ? null : Math.max(0, limit - used - reserved),
      resetsAt: window.end.toISOString(),
    };
  };
  return {
    today: period(day.start, day.end, today),
    month: period(month.start, month.end, thisMonth),
    limits: {
      rpm: { limit: resolved.limits.rpm, source: resolved.sources.rpm },
      tpm: { limit: resolved.limits.tpm, source: resolved.sources.tpm },
      tokensPerDay: quota('tokensPerDay', today.tokens),
      usdPerMonth: quota('usdPerMonth', thisMonth.costUsd),
    },
  };
}
