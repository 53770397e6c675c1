import type { Db } from '../../db/client';
import type { EventBus } from '../../infra/bus/types';
import { log } from '../../lib/logger';
import type { ModelViewer } from '../../providers/model-access';
import type { Router } from '../../providers/router';
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

/** The model's title for a first message; null when the offline model would write it, or its reply is unusable. */
async function modelTitle(deps: TitleDeps, t: TitleInput, signal: AbortSignal): Promise<string | null> {
  // Titles are written on the user's behalf and charged to them: only models they may use.
  const available = await deps.router.listModels(t.viewer);
  const model = CHEAP_MODELS.find((m) => available.some((a) => a.id === m)) ?? t.model;
  // The offline model echoes its prompt, so the heuristic title says more; and a chat with the
  // offline model spends nothing on a paid one.
  const offline = (id: string) => available.find((a) => a.id === id)?.provider === 'offline';
  if (offline(model) || offline(t.model)) return null;
  const started = performance.now();
  const result = await deps.router.generate({
    model,
    viewer: t.viewer,
    messages: [
      { role: 'system', content: TITLE_PROMPT },
      { role: 'user', content: t.message.slice(0, 2_000) },
    ],
    maxTokens: 24,
    signal,
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
  // The turn's reservation covers its answer only: a title is booked on its own.
  void deps.limiter.charge(t.userId, spendOf(event));
  return result.deployment.provider === 'offline' ? null : cleanTitle(result.text);
}

/** A model-written title asked for while the first answer is generated. */
export interface PendingTitle {
  /** The title once it came: a string to store, null when there is none, undefined while asked. */
  readonly ready: string | null | undefined;
  /** Stores the title when it comes, unless the conversation was titled otherwise by then. */
  storeWhenReady(): void;
  /** The answer failed: its conversation gets no title, so the call is not needed. */
  cancel(): void;
}

/**
 * Asks a model for the title of a new conversation alongside its first answer, so that a title
 * ready in time is stored with the answer (one write, and the title shows when the answer ends)
 * instead of the heuristic one followed by a second write. Never fails the turn.
 */
export function requestModelTitle(deps: TitleDeps, t: TitleInput): PendingTitle {
  const abort = new AbortController();
  let cancelled = false;
  // A timer cleared when the call ends: `AbortSignal.timeout` would keep every title's signal alive
  // for the whole timeout, thousands of them at a few hundred new conversations a second.
  const timer = setTimeout(() => abort.abort(), TITLE_TIMEOUT_MS);
  let ready: string | null | undefined;
  const title = modelTitle(deps, t, abort.signal)
    .then(
      (text) => (ready = text),
      (error) => {
        if (!cancelled) log.debug('model title skipped', { error });
        return (ready = null);
      },
    )
    .finally(() => clearTimeout(timer));
  return {
    get ready() {
      return ready;
    },
    storeWhenReady() {
      if (ready !== undefined) return;
      void title
        .then((text) => (text ? setModelTitle(deps.db, t.conversationId, text) : false))
        .catch((error) => log.debug('model title not stored', { error }));
    },
    cancel() {
      cancelled = true;
      abort.abort();
    },
  };
}
