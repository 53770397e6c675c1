import type { Db } from '../../db/client';
import { usageLogs } from '../../db/schema';
import { type EventBus, TOPICS, type UsageEvent } from '../../infra/bus/types';
import { log } from '../../lib/logger';
import { estimateCostUsd } from '../../providers/pricing';
import type { ProviderName } from '../../providers/types';

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
  /** The deployment that answered, e.g. `openai/gpt-4o-mini`, `local/llama3` or `offline`. */
  model: string;
  promptTokens: number;
  completionTokens: number;
  latencyMs: number;
  ttftMs: number | null;
  status: 'ok' | 'error' | 'cancelled';
}

/** `openai/gpt-4o-mini` → provider `openai`, upstream model `gpt-4o-mini`; `offline` is both. */
export function splitDeployment(label: string): { provider: ProviderName; model: string } {
  const slash = label.indexOf('/');
  if (slash < 0) return { provider: 'offline', model: label };
  return { provider: label.slice(0, slash) as ProviderName, model: label.slice(slash + 1) };
}

export function costOf(label: string, usage: { promptTokens: number; completionTokens: number }): number | null {
  const { provider, model } = splitDeployment(label);
  return estimateCostUsd(provider, model, { inputTokens: usage.promptTokens, outputTokens: usage.completionTokens });
}

export function usageEvent(
  call: LlmCall,
  who: { requestId: string; userId: string; apiKeyId?: string | null; conversationId?: string | null },
): UsageEvent {
  return {
    ...who,
    model: call.model,
    provider: splitDeployment(call.model).provider,
    promptTokens: call.promptTokens,
    completionTokens: call.completionTokens,
    latencyMs: Math.round(call.latencyMs),
    ttftMs: call.ttftMs === null ? null : Math.round(call.ttftMs),
    status: call.status,
    costUsd: costOf(call.model, call),
    at: new Date().toISOString(),
  };
}
