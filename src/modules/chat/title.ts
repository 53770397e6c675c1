import type { Db } from '../../db/client';
import type { EventBus } from '../../infra/bus/types';
import { log } from '../../lib/logger';
import type { ModelViewer } from '../../providers/model-access';
import type { Router } from '../../providers/router';
import type { Deployment } from '../../providers/types';
import { setModelTitle } from '../conversations/service';
import { publishUsage, spendOf, usageEvent } from '../usage/service';
import type { TurnLimiter } from '../usage/turn-limiter';

/** Small, cheap models preferred for titles, when configured. */
const CHEAP_MODELS = ['gpt-4o-mini', 'gpt-4.1-mini', 'claude-haiku-4-5'];
const TITLE_TIMEOUT_MS = 15_000;
export const TITLE_PROMPT =
  'Write a title of at most six words for a conversation that starts with the message below. Reply with the title only, no quotes.';

export interface TitleDeps {
  db: Db;
  router: Router;
  bus: EventBus;
  limiter: Pick<TurnLimiter, 'charge'>;
}

interface TitleInput {
  conversationId: string;
  message: string;
  model: string;
  requestId: string;
  userId: string;
  viewer?: ModelViewer;
}

/** A model's title reply, minus quotes, markup and trailing punctuation; null when unusable. */
export function cleanTitle(raw: string): string | null {
  const line =
    raw
      .split('\n')
      .find((l) => l.trim())
      ?.trim() ?? '';
  const title = line
    .replace(/^(title:\s*)/i, '')
    .replace(/^["'“”*#\s]+|["'“”*.\s]+$/g, '')
    .slice(0, 80)
    .trim();
  return title.length >= 2 ? title : null;
}

async function modelTitle(deps: TitleDeps, t: TitleInput): Promise<void> {
  // Titles are written on the user's behalf and charged to them: only models they may use.
  const available = new Set((await deps.router.listModels(t.viewer)).map((m) => m.id));
  const model = CHEAP_MODELS.find((m) => available.has(m)) ?? t.model;
  const started = performance.now();
  const result = await deps.router.generate({
    model,
    viewer: t.viewer,
    messages: [
      { role: 'system', content: TITLE_PROMPT },
      { role: 'user', content: t.message.slice(0, 2_000) },
    ],
    maxTokens: 24,
    signal: AbortSignal.timeout(TITLE_TIMEOUT_MS),
  });
  const call = {
    deployment: result.deployment,
    requested: model,
    promptTokens: result.usage.inputTokens,
    completionTokens: result.usage.outputTokens,
    latencyMs: performance.now() - started,
    ttftMs: null,
    status: 'ok' as const,
    costUsd: deps.router.costOf(result.deployment, result.usage),
  };
  const event = usageEvent(call, { requestId: `${t.requestId}:title`, userId: t.userId, conversationId: t.conversationId });
  publishUsage(deps.bus, event);
  // A title is spent after its turn settled, so it is booked on its own.
  void deps.limiter.charge(t.userId, spendOf(event));
  const title = result.deployment.provider === 'offline' ? null : cleanTitle(result.text);
  if (title) await setModelTitle(deps.db, t.conversationId, title);
}

/**
 * Retitles a conversation after its first exchange (which stored the heuristic title with its
 * answer) with a model-written title, in the background, unless the offline model answered.
 * Never fails the turn.
 */
export function writeModelTitle(deps: TitleDeps, t: TitleInput & { answeredBy?: Deployment }): void {
  if (t.answeredBy?.provider === 'offline') return;
  void modelTitle(deps, t).catch((error) => log.debug('model title skipped', { error }));
}
