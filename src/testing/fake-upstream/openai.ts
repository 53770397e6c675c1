import { preflight, type Resolved, resolveBehaviour, retryHeaders, type UpstreamState } from './behaviour';
import { embeddingsResponse } from './embeddings';
import { buildStreamTemplate, cutBody, hold, type StreamTemplate, sleep, streamBody } from './stream';
import { answerText, compile, estimateTokens, MARK, nextId, stamp, type Template, TemplateCache, tokenText } from './template';

const JSON_HEADERS = { 'content-type': 'application/json' };
const SSE_HEADERS = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' };

const ERRORS: Record<number, { type: string; code: string | null; message: string }> = {
  400: { type: 'invalid_request_error', code: null, message: 'We could not parse the JSON body of your request.' },
  401: { type: 'invalid_request_error', code: 'invalid_api_key', message: 'Incorrect API key provided.' },
  404: { type: 'invalid_request_error', code: null, message: 'Invalid URL' },
  429: { type: 'requests', code: 'rate_limit_exceeded', message: 'Rate limit reached for requests. Please try again later.' },
  500: { type: 'server_error', code: null, message: 'The server had an error while processing your request. Sorry about that!' },
  503: { type: 'server_error', code: null, message: 'The engine is currently overloaded, please try again later' },
  504: { type: 'server_error', code: null, message: 'Request timed out.' },
  529: { type: 'server_error', code: null, message: 'The engine is currently overloaded, please try again later' },
};

/** OpenAI's error envelope: `{"error": {message, type, param, code}}`. */
export function openaiError(status: number, message?: string, retryAfterMs = 1000, param: string | null = null): Response {
  const e = ERRORS[status] ?? ERRORS[500];
  const headers = status === 429 || status === 503 ? { ...JSON_HEADERS, ...retryHeaders(retryAfterMs) } : JSON_HEADERS;
  return Response.json({ error: { message: message ?? e.message, type: e.type, param, code: e.code } }, { status, headers });
}

function authorized(req: Request, state: UpstreamState): boolean {
  return state.apiKey === null || req.headers.get('authorization') === `Bearer ${state.apiKey}`;
}

interface ChatBody {
  model?: unknown;
  messages?: Array<{ content?: unknown }>;
  stream?: unknown;
  stream_options?: { include_usage?: unknown } | null;
  max_tokens?: unknown;
  max_completion_tokens?: unknown;
}

const streams = new TemplateCache<StreamTemplate>();
const wholes = new TemplateCache<Template>();

export async function openaiChat(req: Request, state: UpstreamState): Promise<Response> {
  const begin = performance.now();
  if (!authorized(req, state)) return openaiError(401);
  const body = (await req.json().catch(() => null)) as ChatBody | null;
  if (body === null || typeof body !== 'object') return openaiError(400);
  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    return openaiError(400, "Missing required parameter: 'messages'.", undefined, 'messages');
  }
  const cap = Number(body.max_completion_tokens ?? body.max_tokens ?? NaN);
  const b = resolveBehaviour(state.behaviour, req.headers, Number.isFinite(cap) ? cap : null);
  const early = await preflight(b, req.signal, (status) => openaiError(status, undefined, b.retryAfterMs), hold);
  if (early) return early;
  const start = b.error === 'stall' ? performance.now() : begin;
  const model = typeof body.model === 'string' ? body.model : state.models[0];
  const input = body.messages.reduce(
    (sum, m) => sum + estimateTokens(typeof m?.content === 'string' ? m.content : JSON.stringify(m?.content ?? '')),
    0,
  );
  const values = { id: nextId(), created: Math.floor(Date.now() / 1000), input, total: input + b.tokens };
  const finish = b.truncated ? 'length' : 'stop';
  if (body.stream === true) {
    const usage = body.stream_options?.include_usage === true;
    const template = streams.get(`${model}|${b.tokens}|${finish}|${usage}`, () => chunkTemplate(model, b.tokens, finish, usage));
    return new Response(streamBody(template, values, b, start), { headers: SSE_HEADERS });
  }
  return completion(model, b, finish, values, start);
}

async function completion(model: string, b: Resolved, finish: string, values: Parameters<typeof stamp>[1], start: number) {
  const template = wholes.get(`${model}|${b.tokens}|${finish}`, () => completionTemplate(model, b.tokens, finish));
  if (b.error === 'cut') return new Response(cutBody(), { headers: JSON_HEADERS });
  const generation = b.ttftMs + (b.tps > 0 ? ((b.tokens - 1) * 1000) / b.tps : 0);
  await sleep(start + generation - performance.now());
  return new Response(stamp(template, values), { headers: JSON_HEADERS });
}

function completionTemplate(model: string, tokens: number, finish: string): Template {
  return compile(
    JSON.stringify({
      id: `chatcmpl-${MARK.id}`,
      object: 'chat.completion',
      created: MARK.created,
      model,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: answerText(tokens), refusal: null, annotations: [] },
          logprobs: null,
          finish_reason: finish,
        },
      ],
      usage: usage(tokens),
      service_tier: 'default',
      system_fingerprint: 'fp_fake_upstream',
    }),
  );
}

function usage(tokens: number) {
  return {
    prompt_tokens: MARK.input,
    completion_tokens: tokens,
    total_tokens: MARK.total,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
}

function chunkTemplate(model: string, tokens: number, finish: string, withUsage: boolean): StreamTemplate {
  const frame = (fields: object) =>
    `data: ${JSON.stringify({
      id: `chatcmpl-${MARK.id}`,
      object: 'chat.completion.chunk',
      created: MARK.created,
      model,
      service_tier: 'default',
      system_fingerprint: 'fp_fake_upstream',
      ...fields,
    })}\n\n`;
  const chunk = (delta: object, finishReason: string | null) =>
    frame({
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
      ...(withUsage ? { usage: null } : {}),
    });
  const closing = [chunk({}, finish)];
  if (withUsage) closing.push(frame({ choices: [], usage: usage(tokens) }));
  closing.push('data: [DONE]\n\n');
  const tokenChunks = Array.from({ length: tokens }, (_, i) => chunk({ content: tokenText(i) }, null));
  return buildStreamTemplate([chunk({ role: 'assistant', content: '', refusal: null }, null)], tokenChunks, closing, compile);
}

export function openaiModels(state: UpstreamState): Response {
  const created = 1_700_000_000;
  return Response.json({ object: 'list', data: state.models.map((id) => ({ id, object: 'model', created, owned_by: 'fake-upstream' })) });
}

export async function openaiEmbeddings(req: Request, state: UpstreamState): Promise<Response> {
  if (!authorized(req, state)) return openaiError(401);
  const body = (await req.json().catch(() => null)) as Record<string, unknown> | null;
  if (body === null || typeof body !== 'object') return openaiError(400);
  const b = resolveBehaviour(state.behaviour, req.headers, null);
  const early = await preflight(b, req.signal, (status) => openaiError(status, undefined, b.retryAfterMs), hold);
  if (early) return early;
  await sleep(b.ttftMs);
  return embeddingsResponse(body, state, (message, param) => openaiError(400, message, undefined, param));
}
