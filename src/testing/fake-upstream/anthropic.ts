import { preflight, type Resolved, resolveBehaviour, retryHeaders, type UpstreamState } from './behaviour';
import { buildStreamTemplate, cutBody, hold, type StreamTemplate, sleep, streamBody } from './stream';
import { answerText, compile, estimateTokens, MARK, nextId, stamp, type Template, TemplateCache, tokenText } from './template';

const SSE_HEADERS = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' };

const ERRORS: Record<number, { type: string; message: string }> = {
  400: { type: 'invalid_request_error', message: 'Invalid request body' },
  401: { type: 'authentication_error', message: 'invalid x-api-key' },
  404: { type: 'not_found_error', message: 'Not found' },
  429: { type: 'rate_limit_error', message: 'Number of request tokens has exceeded your per-minute rate limit' },
  500: { type: 'api_error', message: 'Internal server error' },
  503: { type: 'api_error', message: 'Service unavailable' },
  504: { type: 'api_error', message: 'Request timed out' },
  529: { type: 'overloaded_error', message: 'Overloaded' },
};

/** Anthropic's error envelope: `{"type":"error","error":{type, message}}`, with a request-id header. */
export function anthropicError(status: number, message?: string, retryAfterMs = 1000): Response {
  const e = ERRORS[status] ?? ERRORS[500];
  const requestId = `req_${nextId()}`;
  const retry = status === 429 || status === 503 || status === 529 ? retryHeaders(retryAfterMs) : {};
  return Response.json(
    { type: 'error', error: { type: e.type, message: message ?? e.message }, request_id: requestId },
    { status, headers: { 'content-type': 'application/json', 'request-id': requestId, ...retry } },
  );
}

interface MessagesBody {
  model?: unknown;
  messages?: Array<{ content?: unknown }>;
  system?: unknown;
  max_tokens?: unknown;
  stream?: unknown;
}

const streams = new TemplateCache<StreamTemplate>();
const wholes = new TemplateCache<Template>();

export async function anthropicMessages(req: Request, state: UpstreamState): Promise<Response> {
  const begin = performance.now();
  if (state.apiKey !== null && req.headers.get('x-api-key') !== state.apiKey) return anthropicError(401);
  const body = (await req.json().catch(() => null)) as MessagesBody | null;
  if (body === null || typeof body !== 'object') return anthropicError(400);
  if (typeof body.model !== 'string') return anthropicError(400, 'model: Field required');
  if (typeof body.max_tokens !== 'number') return anthropicError(400, 'max_tokens: Field required');
  if (!Array.isArray(body.messages) || body.messages.length === 0) return anthropicError(400, 'messages: Field required');
  const b = resolveBehaviour(state.behaviour, req.headers, body.max_tokens);
  const early = await preflight(b, req.signal, (status) => anthropicError(status, undefined, b.retryAfterMs), hold);
  if (early) return early;
  const start = b.error === 'stall' ? performance.now() : begin;
  const text = [body.system, ...body.messages.map((m) => m?.content)].map((c) => (typeof c === 'string' ? c : JSON.stringify(c ?? '')));
  const input = text.reduce((sum, t) => sum + estimateTokens(t), 0);
  const values = { id: nextId(), created: 0, input, total: input + b.tokens };
  const stop = b.truncated ? 'max_tokens' : 'end_turn';
  const model = body.model;
  if (body.stream === true) {
    const template = streams.get(`${model}|${b.tokens}|${stop}`, () => eventTemplate(model, b.tokens, stop));
    return new Response(streamBody(template, values, b, start), { headers: SSE_HEADERS });
  }
  return message(model, b, stop, values, start);
}

async function message(model: string, b: Resolved, stop: string, values: Parameters<typeof stamp>[1], start: number) {
  const template = wholes.get(`${model}|${b.tokens}|${stop}`, () => messageTemplate(model, b.tokens, stop));
  if (b.error === 'cut') return new Response(cutBody(), { headers: { 'content-type': 'application/json' } });
  const generation = b.ttftMs + (b.tps > 0 ? ((b.tokens - 1) * 1000) / b.tps : 0);
  await sleep(start + generation - performance.now());
  return new Response(stamp(template, values), { headers: { 'content-type': 'application/json' } });
}

function messageShape(model: string, content: object[], stop: string | null, outputTokens: number) {
  return {
    id: `msg_${MARK.id}`,
    type: 'message',
    role: 'assistant',
    model,
    content,
    stop_reason: stop,
    stop_sequence: null,
    usage: { input_tokens: MARK.input, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: outputTokens },
  };
}

function messageTemplate(model: string, tokens: number, stop: string): Template {
  return compile(JSON.stringify(messageShape(model, [{ type: 'text', text: answerText(tokens) }], stop, tokens)));
}

function eventTemplate(model: string, tokens: number, stop: string): StreamTemplate {
  const event = (name: string, data: object) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
  const preamble = [
    event('message_start', { type: 'message_start', message: messageShape(model, [], null, 1) }),
    event('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
    event('ping', { type: 'ping' }),
  ];
  const deltas = Array.from({ length: tokens }, (_, i) =>
    event('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: tokenText(i) } }),
  );
  const closing = [
    event('content_block_stop', { type: 'content_block_stop', index: 0 }),
    event('message_delta', { type: 'message_delta', delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: tokens } }),
    event('message_stop', { type: 'message_stop' }),
  ];
  return buildStreamTemplate(preamble, deltas, closing, compile);
}

export function anthropicModels(state: UpstreamState): Response {
  const data = state.models.map((id) => ({ type: 'model', id, display_name: id, created_at: '2025-01-01T00:00:00Z' }));
  return Response.json({ data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null });
}
