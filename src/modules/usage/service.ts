import type { Db } from '../../db/client';
import { usageLogs } from '../../db/schema';
import { type EventBus, TOPICS, type UsageEvent } from '../../infra/bus/types';
import { log } from '../../lib/logger';
import { deploymentLabel } from '../../providers/model-config';
import { estimateCostUsd } from '../../providers/pricing';
import type { Deployment } from '../../providers/types';

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
