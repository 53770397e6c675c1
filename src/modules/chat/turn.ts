import type { Db } from '../../db/client';
import { type ChatEvent, type EventBus, TOPICS } from '../../infra/bus/types';
import type { Spend } from '../../infra/quota';
import { errorCatalogue } from '../../lib/error-catalogue';
import { AppError, conflict, notFound } from '../../lib/errors';
import { log } from '../../lib/logger';
import { estimateOutputTokens } from '../../lib/tokens';
import { type Citation, impliedPlugins, toolSpecs } from '../../plugins';
import type { ModelViewer } from '../../providers/model-access';
import type { Router } from '../../providers/router';
import type { FinishReason } from '../../providers/types';
import { quoteCitations } from '../../rag/quotes';
import type { Principal } from '../auth/guard';
import { getOwnedConversation } from '../conversations/service';
import { type ConversationSettings, checkDocuments, settingsOf } from '../conversations/settings';
import { heuristicTitle } from '../conversations/title';
import { viewerOf } from '../models/service';
import { enabledPlugins } from '../plugins/service';
import type { UserSettingsCache } from '../preferences/user-settings-cache';
import { addSpend, publishUsage, usageEvent } from '../usage/service';
import type { TurnLimiter, TurnReservation } from '../usage/turn-limiter';
import { loadAttachments, threadAttachments } from './attachments';
import { generate } from './generate';
import type { Attachment, ChatReply, ChatTurn, TurnFrame } from './model';
import { beginTurn, contentSaver, findTurn, finishAssistant, loadThread, type MessageRow } from './persist';
import {
  type CallScope,
  emptyGathered,
  offeredPlugins,
  type PluginDeps,
  passagesOf,
  runExplicitPlugins,
  runToolCall,
  searchesDocuments,
} from './plugin-calls';
import { buildPrompt, type Prompt } from './prompt';
import { type PendingTitle, requestModelTitle } from './title';
import { readWhole } from './whole-documents';

export interface TurnDeps {
  db: Db;
  router: Router;
  limiter: TurnLimiter;
  bus: EventBus;
  plugins: PluginDeps;
  userSettings: Pick<UserSettingsCache, 'preferences' | 'disabledPlugins'>;
}

/** A turn as the service runs it: what the person sent, who sent it, and the signal that stops it. */
export type TurnInput = ChatTurn & {
  principal: Principal;
  requestId: string;
  /** The request id was minted for this turn, so no earlier turn can have it. */
  newRequestId?: boolean;
  signal: AbortSignal;
};

export interface TurnResult {
  conversationId: string;
  message: ChatReply['message'];
  status: MessageRow['status'];
  finishReason: FinishReason | 'error';
  error?: AppError;
  /** Rate-limit headers for the caller; empty for a replayed turn. */
  headers: Record<string, string>;
}

/** Tool rounds a model may take before it must answer. */
export const MAX_TOOL_ROUNDS = 3;

function resultOf(
  row: MessageRow,
  conversationId: string,
  finishReason: TurnResult['finishReason'],
  headers: Record<string, string>,
  error?: AppError,
): TurnResult {
  const usage = { promptTokens: row.promptTokens ?? 0, completionTokens: row.completionTokens ?? 0 };
  const citations = (row.citations as Citation[] | null) ?? [];
  return {
    conversationId,
    message: { id: row.id, role: 'assistant', content: row.content, model: row.model, citations, usage },
    status: row.status,
    finishReason,
    error,
    headers,
  };
}

/** A retried request whose answer is already stored: its frames again, without calling a model. */
function replay(row: MessageRow, emit: (f: TurnFrame) => void): TurnResult {
  const result = resultOf(
    row,
    row.conversationId,
    row.status === 'interrupted' ? 'cancelled' : row.status === 'error' ? 'error' : 'stop',
    {},
  );
  emit({ type: 'start', conversationId: row.conversationId, messageId: row.id, userMessageId: row.parentId ?? '', model: row.model ?? '' });
  if (row.content) emit({ type: 'token', delta: row.content });
  if (result.message.citations.length) emit({ type: 'citations', citations: result.message.citations });
  if (row.status === 'error')
    emit({ type: 'error', code: 'generation_failed', message: row.error ?? errorCatalogue.generation_failed.message });
  else emit({ type: 'done', messageId: row.id, finishReason: result.finishReason as FinishReason, usage: result.message.usage });
  return result;
}

function publishChat(bus: EventBus, event: Omit<ChatEvent, 'at'>): void {
  bus
    .publish(TOPICS.chatEvents, event.conversationId, { ...event, at: new Date().toISOString() })
    .catch((error) => log.error('chat event not published', { error }));
}

interface Prepared {
  model: string;
  viewer: ModelViewer;
  contextWindow: number;
  conversationId?: string;
  history: MessageRow[];
  /** The files attached to this message, checked to be the user's and ready. */
  attachments: Attachment[];
  /** The settings this turn runs with: the turn's own, else the conversation's, else the user's defaults. */
  settings: ConversationSettings;
  /** The conversation's settings after this turn, when the turn changes them (they are remembered); its model is always the turn's. */
  remember?: ConversationSettings;
}

/** The model a conversation asks for, or the user's default when it names one no longer served. */
async function authorizeStored(deps: TurnDeps, viewer: ModelViewer, stored: string | null, fallback: string): Promise<string> {
  if (!stored) return deps.router.authorize(fallback, viewer);
  try {
    return await deps.router.authorize(stored, viewer);
  } catch (e) {
    if (e instanceof AppError && e.code === 'unknown_model') return deps.router.authorize(fallback, viewer);
    throw e;
  }
}

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * Decides the turn's model and settings and refuses a model the caller may not use, before
 * anything is stored or counted against a limit.
 */
async function prepare(deps: TurnDeps, input: TurnInput): Promise<Prepared> {
  const viewer = viewerOf(deps.db, input.principal);
  const userId = input.principal.user.id;
  const conversationId = input.conversationId;
  const prefs = await deps.userSettings.preferences(userId);
  const conversation = conversationId ? await getOwnedConversation(deps.db, userId, conversationId) : undefined;
  // Documents named are remembered with the conversation, so only the user's own may be named.
  if (input.documentIds) await checkDocuments(deps.db, userId, input.documentIds);
  const attachments = await loadAttachments(deps.db, userId, input.attachments);
  const stored = settingsOf(conversation?.settings);
  const fallback = prefs.defaultModel ?? 'default';
  const model = input.model
    ? await deps.router.authorize(input.model, viewer)
    : await authorizeStored(deps, viewer, conversation?.model ?? null, fallback);
  const settings: ConversationSettings = {
    systemPrompt: stored.systemPrompt ?? prefs.systemPrompt,
    params: stored.params,
    plugins: input.plugins ?? (conversation ? stored.plugins : prefs.defaultPlugins),
    documentIds: input.documentIds ?? stored.documentIds,
    documentMode: input.documentMode ?? stored.documentMode,
  };
  const next = { ...stored, plugins: settings.plugins, documentIds: settings.documentIds, documentMode: settings.documentMode };
  const changed =
    !conversation ||
    !sameList(next.plugins, stored.plugins) ||
    !sameList(next.documentIds, stored.documentIds) ||
    next.documentMode !== stored.documentMode;
  const remember = changed ? next : undefined;
  const contextWindow = deps.router.contextWindow(model);
  if (!conversationId) {
    if (input.parentId) throw notFound('Parent message');
    return { model, viewer, contextWindow, history: [], attachments, settings, remember };
  }
  return {
    model,
    viewer,
    contextWindow,
    conversationId,
    history: await loadThread(deps.db, conversationId, input.parentId),
    attachments,
    settings,
    remember,
  };
}

/** Reserves the turn's estimated tokens; also returns the prompt the estimate was made on, before any plugin context. */
async function reserve(deps: TurnDeps, input: TurnInput, p: Prepared): Promise<{ reservation: TurnReservation; prompt: Prompt }> {
  const prompt = buildPrompt({
    history: p.history,
    message: input.message,
    pluginContext: [],
    contextWindow: p.contextWindow,
    instructions: p.settings.systemPrompt,
  });
  const output = estimateOutputTokens({
    inputTokens: prompt.inputTokens,
    contextWindow: p.contextWindow,
    maxTokens: p.settings.params.maxTokens,
  });
  const reservation = await deps.limiter.reserve(
    { userId: input.principal.user.id, apiKeyId: input.principal.apiKeyId },
    { model: p.model, inputTokens: prompt.inputTokens, outputTokens: output },
  );
  return { reservation, prompt };
}

/**
 * One chat turn: limits, context, explicit plugins, the streamed answer (with tool rounds when
 * the model supports them), persistence and accounting. Failures before the turn is acknowledged
 * throw (nothing is stored); after that they end the turn with an `error` frame and an `error`
 * message that keeps whatever was produced.
 */
export async function runTurn(deps: TurnDeps, input: TurnInput, emit: (frame: TurnFrame) => void): Promise<TurnResult> {
  const userId = input.principal.user.id;
  const prior = input.newRequestId ? undefined : await findTurn(deps.db, userId, input.requestId);
  if (prior && prior.status !== 'streaming') return replay(prior, emit);
  if (prior) throw conflict('This request is still being answered');
  const p = await prepare(deps, input);
  const { reservation, prompt } = await reserve(deps, input, p);
  // What the turn's usage rows record, so its limits are charged exactly that.
  const spent: Spend = { tokens: 0, usd: 0 };
  try {
    const rows = await beginTurn(deps.db, {
      userId,
      conversation: { id: p.conversationId, settings: p.remember },
      parentId: p.history.at(-1)?.id ?? null,
      requestId: input.requestId,
      content: input.message,
      model: p.model,
      attachments: p.attachments,
    });
    const { conversationId } = rows;
    emit({ type: 'start', conversationId, messageId: rows.assistant.id, userMessageId: rows.user.id, model: p.model });
    publishChat(deps.bus, { type: 'turn.started', requestId: input.requestId, userId, conversationId, model: p.model });
    const title =
      p.history.length === 0
        ? requestModelTitle(deps, {
            conversationId,
            message: input.message,
            model: p.model,
            requestId: input.requestId,
            userId,
            viewer: p.viewer,
          })
        : undefined;
    const result = await answer(
      deps,
      input,
      { ...p, prompt },
      { conversationId, assistantId: rows.assistant.id, spent, title },
      emit,
    ).catch((error) => {
      title?.cancel();
      throw error;
    });
    return { ...result, headers: reservation.headers };
  } finally {
    void reservation.settle(spent);
  }
}

async function answer(
  deps: TurnDeps,
  input: TurnInput,
  p: Prepared & { prompt: Prompt },
  ids: { conversationId: string; assistantId: string; spent: Spend; title?: PendingTitle },
  emit: (frame: TurnFrame) => void,
): Promise<TurnResult> {
  const userId = input.principal.user.id;
  const enabled = offeredPlugins(
    deps.plugins.registry,
    await enabledPlugins(deps.plugins.registry, userId, deps.userSettings.disabledPlugins),
    p.settings.plugins,
  );
  const scope: CallScope = { userId, enabled, signal: input.signal, emit };
  const { gathered, wholeParts } = await gather(deps, input, p, scope);
  // The parts of whole documents are the text itself, not search results: only those the answer cites are shown.
  const found = () => gathered.citations.slice(wholeParts);
  if (found().length) emit({ type: 'citations', citations: found() });
  // Without plugin context the prompt is the one the reservation was estimated on.
  const prompt = gathered.texts.length
    ? buildPrompt({
        history: p.history,
        message: input.message,
        pluginContext: gathered.texts,
        contextWindow: p.contextWindow,
        instructions: p.settings.systemPrompt,
      })
    : p.prompt;
  const info = (await deps.router.listModels(p.viewer)).find((m) => m.id === p.model);
  const tools = info?.capabilities.tools ? toolSpecs(deps.plugins.registry, deps.plugins.services, enabled, userId) : undefined;
  const saver = contentSaver(deps.db, ids.assistantId);
  const frequencies = deps.plugins.services.wordFrequencies;
  let calls = 0;
  const gen = await generate(deps.router, {
    model: p.model,
    viewer: p.viewer,
    messages: prompt.messages,
    passages: gathered.citations.length ? passagesOf(gathered.citations) : gathered.searched ? [] : undefined,
    wordFrequencies: frequencies && ((question: string) => frequencies(userId, question)),
    tools,
    maxToolRounds: MAX_TOOL_ROUNDS,
    maxTokens: p.settings.params.maxTokens,
    temperature: p.settings.params.temperature,
    topP: p.settings.params.topP,
    signal: input.signal,
    onText: (delta, answer) => {
      saver.update(answer);
      emit({ type: 'token', delta });
    },
    onFallback: (from, to, reason) => emit({ type: 'fallback', from, to, reason }),
    onCall: (call) => {
      const requestId = calls++ === 0 ? input.requestId : `${input.requestId}:${calls}`;
      const event = usageEvent(call, { requestId, userId, apiKeyId: input.principal.apiKeyId ?? null, conversationId: ids.conversationId });
      addSpend(ids.spent, event);
      publishUsage(deps.bus, event);
    },
    runTool: async (call) => {
      const before = gathered.citations.length;
      const out = await runToolCall(deps.plugins, scope, gathered, call);
      if (gathered.citations.length > before) emit({ type: 'citations', citations: found() });
      return out;
    },
  });
  await saver.stop();
  return finish(deps, input, { ...ids, wholeParts }, gen, gathered, emit);
}

/**
 * What the turn answers from before the model runs: the documents read whole (the files of the
 * branch, and in `whole` mode the picked ones, when they fit), then the plugins the turn names or
 * implies, numbered after them. Documents not read whole are searched.
 */
async function gather(deps: TurnDeps, input: TurnInput, p: Prepared, scope: CallScope) {
  const files = threadAttachments(p.history, p.attachments);
  const whole = await readWhole(deps.db, scope.userId, {
    mode: p.settings.documentMode,
    files,
    picked: p.settings.documentIds,
    contextWindow: p.contextWindow,
    maxTokens: p.settings.params.maxTokens,
    instructions: p.settings.systemPrompt,
    message: input.message,
    history: p.history,
  });
  const searched = [...new Set([...files, ...p.settings.documentIds])].filter((id) => !whole?.documentIds.includes(id));
  const use = { message: input.message, documentIds: searched.length ? searched : undefined };
  const registry = deps.plugins.registry;
  let names = [...new Set([...p.settings.plugins, ...impliedPlugins(registry, use)])];
  // Documents read whole leave nothing to search, unless other documents are named too.
  if (whole && !use.documentIds) names = names.filter((n) => !searchesDocuments(registry, n));
  const seed = emptyGathered();
  if (whole) {
    seed.citations.push(...whole.citations);
    seed.texts.push(whole.text);
    seed.searched = true;
  }
  const gathered = await runExplicitPlugins(deps.plugins, scope, names, use, seed);
  return { gathered, wholeParts: whole?.citations.length ?? 0 };
}

async function finish(
  deps: TurnDeps,
  input: TurnInput,
  ids: { conversationId: string; assistantId: string; wholeParts: number; title?: PendingTitle },
  gen: Awaited<ReturnType<typeof generate>>,
  gathered: Awaited<ReturnType<typeof runExplicitPlugins>>,
  emit: (frame: TurnFrame) => void,
): Promise<TurnResult> {
  const status = gen.error ? 'error' : gen.finishReason === 'cancelled' ? 'interrupted' : 'complete';
  const citations = quoteCitations(gen.text, gathered.citations).filter((c) => c.n > ids.wholeParts || c.cited);
  if (citations.length) emit({ type: 'citations', citations });
  // A first exchange that produced an answer titles its conversation: with the model's title when
  // it came in time, else with the heuristic one, which the model's replaces when it comes.
  let title: { conversationId: string; title: string; titleSource: 'auto' | 'model' } | undefined;
  if (ids.title && gen.error) ids.title.cancel();
  else if (ids.title) {
    const ready = ids.title.ready;
    title = ready
      ? { conversationId: ids.conversationId, title: ready, titleSource: 'model' }
      : { conversationId: ids.conversationId, title: heuristicTitle(input.message), titleSource: 'auto' };
    ids.title.storeWhenReady();
  }
  const outcome = {
    content: gen.text,
    status,
    error: gen.error?.publicMessage,
    deployment: gen.deployment,
    promptTokens: gen.promptTokens,
    completionTokens: gen.completionTokens,
    citations,
    pluginCalls: gathered.calls,
  } as const;
  const row = await finishAssistant(deps.db, ids.assistantId, outcome, title);
  const base = {
    requestId: input.requestId,
    userId: input.principal.user.id,
    conversationId: ids.conversationId,
    model: row.model ?? undefined,
  };
  if (gen.error) {
    emit({ type: 'error', code: gen.error.code, message: gen.error.publicMessage });
    publishChat(deps.bus, { ...base, type: 'turn.failed', error: gen.error.code });
  } else {
    const usage = { promptTokens: gen.promptTokens, completionTokens: gen.completionTokens };
    emit({ type: 'done', messageId: ids.assistantId, finishReason: gen.finishReason as FinishReason, usage });
    publishChat(deps.bus, { ...base, type: 'turn.completed', finishReason: gen.finishReason });
  }
  return resultOf(row, ids.conversationId, gen.finishReason, {}, gen.error);
}
