import type { Db } from '../../db/client';
import type { EventBus } from '../../infra/bus/types';
import { AppError } from '../../lib/errors';
import { countMessageTokens, estimateOutputTokens } from '../../lib/tokens';
import type { ModelViewer } from '../../providers/model-access';
import type { Router } from '../../providers/router';
import type { ChatResult } from '../../providers/types';
import type { Principal } from '../auth/guard';
import { viewerOf } from '../models/service';
import { type LlmCall, publishUsage, spendOf, usageEvent } from '../usage/service';
import type { TurnLimiter } from '../usage/turn-limiter';
import { completionId, completionObject, toChatRequest } from './convert';
import { type CompletionRequest, checkCompletionRequest } from './model';
import { type RunningCalls, revokedReason } from './running-calls';
import { chunkEncoder, sseBody } from './sse';

export interface CompatDeps {
  /** Read only when a model's access rule names groups. */
  db: Db;
  router: Router;
  limiter: TurnLimiter;
  bus: EventBus;
  running: RunningCalls;
}

export function checkedCompletionRequest(body: unknown): CompletionRequest {
  if (checkCompletionRequest.Check(body)) return body;
  const first = checkCompletionRequest.Errors(body).First();
  throw new AppError('invalid_request', {
    message: `Invalid ${first?.path.replace(/^\//, '').replaceAll('/', '.') || 'body'}: ${first?.message ?? 'invalid value'}`,
  });
}

/**
 * `POST /v1/chat/completions`: the gateway path. Nothing is stored as a conversation; the call is
 * checked against the model's access rule, rate-limited, routed, and its usage published. Kept
 * free of database work on purpose: only a rule naming groups reads the caller's groups.
 */
export async function completions(
  deps: CompatDeps,
  principal: Principal,
  body: CompletionRequest,
  clientSignal: AbortSignal,
): Promise<Response> {
  const abort = new AbortController();
  const forget = deps.running.add(principal, abort);
  try {
    return await complete(deps, principal, body, clientSignal, abort, forget);
  } catch (err) {
    forget();
    throw err;
  }
}

async function complete(
  deps: CompatDeps,
  principal: Principal,
  body: CompletionRequest,
  clientSignal: AbortSignal,
  abort: AbortController,
  forget: () => void,
): Promise<Response> {
  const viewer = viewerOf(deps.db, principal);
  const req = { ...toChatRequest(body, abort.signal), viewer, openaiBody: body };
  req.model = await deps.router.authorize(req.model, viewer);
  const window = deps.router.contextWindow(req.model);
  const inputTokens = countMessageTokens(req.messages);
  const reservation = await deps.limiter.reserve(
    { userId: principal.user.id, apiKeyId: principal.apiKeyId },
    {
      model: req.model,
      inputTokens,
      outputTokens: estimateOutputTokens({ maxTokens: req.maxTokens, inputTokens, contextWindow: window }),
    },
  );
  const id = completionId();
  const created = Math.floor(Date.now() / 1000);
  const account = (call: LlmCall) => {
    const usage = { inputTokens: call.promptTokens, outputTokens: call.completionTokens };
    const costUsd = call.deployment ? deps.router.costOf(call.deployment, usage) : null;
    const event = usageEvent({ ...call, costUsd }, { requestId: id, userId: principal.user.id, apiKeyId: principal.apiKeyId ?? null });
    void reservation.settle(spendOf(event));
    publishUsage(deps.bus, event);
  };
  const started = performance.now();
  if (body.stream) {
    const stream = sseBody(deps.router.stream(req), chunkEncoder(id, body.model, created), {
      includeUsage: body.stream_options?.include_usage === true,
      abort,
      requested: body.model,
      onEnd: (s) => {
        forget();
        account({ ...s, latencyMs: performance.now() - started });
      },
    });
    return new Response(stream, { headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...reservation.headers } });
  }
  const onClientAbort = () => abort.abort();
  clientSignal.addEventListener('abort', onClientAbort, { once: true });
  try {
    const result = await deps.router.generate(req);
    account({
      deployment: result.deployment,
      requested: body.model,
      promptTokens: result.usage.inputTokens,
      completionTokens: result.usage.outputTokens,
      latencyMs: performance.now() - started,
      ttftMs: null,
      status: 'ok',
    });
    return Response.json(responseOf(id, body.model, created, result), { headers: reservation.headers });
  } catch (err) {
    account({
      requested: body.model,
      promptTokens: inputTokens,
      completionTokens: 0,
      latencyMs: performance.now() - started,
      ttftMs: null,
      status: abort.signal.aborted ? 'cancelled' : 'error',
    });
    throw revokedReason(abort.signal) ?? err;
  } finally {
    forget();
    clientSignal.removeEventListener('abort', onClientAbort);
  }
}

/**
 * An OpenAI-compatible upstream's own completion goes back as it came (fields Confab does not model
 * included), under Confab's id and the model name the caller asked for; any other provider's
 * answer is written out in OpenAI's shape.
 */
function responseOf(id: string, model: string, created: number, result: ChatResult): object {
  if (!result.openaiCompletion) return completionObject(id, model, created, result);
  const out: Record<string, unknown> = { ...result.openaiCompletion, id, model };
  if (result.usage.estimated || !out.usage) out.usage = completionObject(id, model, created, result).usage;
  return out;
}

export async function listCompatModels(router: Router, viewer: ModelViewer) {
  const models = await router.listModels(viewer);
  return { object: 'list', data: models.map((m) => ({ id: m.id, object: 'model', created: 0, owned_by: m.provider })) };
}
