import { type Answer, answerText, generatedAnswer, type ScriptedAnswer, scriptedAnswer, scriptedPacing } from './answer';
import { preflight, type Resolved, resolveBehaviour, retryHeaders, type UpstreamState } from './behaviour';
import { type RawReply, rawResponse } from './replies';
import { buildStreamTemplate, cutBody, hold, type StreamTemplate, sleep, streamBody } from './stream';
import { compile, estimateTokens, MARK, nextId, type Stamp, stamp, type Template, TemplateCache } from './template';

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

/** Anthropic's error envelope, `{"type":"error","error":{type, message}}`, with a request-id header and retry hints. */
export function anthropicErrorReply(status: number, message?: string, retryAfterMs = 1000): RawReply {
  const e = ERRORS[status] ?? ERRORS[500];
  const requestId = `req_${nextId()}`;
  const retry = status === 429 || status === 503 || status === 529 ? retryHeaders(retryAfterMs) : {};
  return {
    status,
    body: { type: 'error', error: { type: e.type, message: message ?? e.message }, request_id: requestId },
    headers: { 'content-type': 'application/json', 'request-id': requestId, ...retry },
  };
}

export function anthropicError(status: number, message?: string, retryAfterMs = 1000): Response {
  return rawResponse(anthropicErrorReply(status, message, retryAfterMs));
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

/** `/v1/messages`: a generated answer shaped by the behaviour, or the one a test scripted. */
export async function anthropicMessages(req: Request, raw: unknown, state: UpstreamState, scripted?: ScriptedAnswer): Promise<Response> {
  const begin = performance.now();
  if (state.apiKey !== null && req.headers.get('x-api-key') !== state.apiKey) return anthropicError(401);
  const body = raw as MessagesBody | null;
  if (body === null || typeof body !== 'object') return anthropicError(400);
  if (typeof body.model !== 'string') return anthropicError(400, 'model: Field required');
  if (typeof body.max_tokens !== 'number') return anthropicError(400, 'max_tokens: Field required');
  if (!Array.isArray(body.messages) || body.messages.length === 0) return anthropicError(400, 'messages: Field required');
  const resolved = resolveBehaviour(state.behaviour, req.headers, body.max_tokens);
  const answer = scripted ? scriptedAnswer(scripted) : null;
  const b = answer ? scriptedPacing(resolved, answer, scripted?.delayMs) : resolved;
  const early = await preflight(b, req.signal, (status) => anthropicError(status, undefined, b.retryAfterMs), hold);
  if (early) return early;
  const start = b.error === 'stall' ? performance.now() : begin;
  const text = [body.system, ...body.messages.map((m) => m?.content)].map((c) => (typeof c === 'string' ? c : JSON.stringify(c ?? '')));
  const input = text.reduce((sum, t) => sum + estimateTokens(t), 0);
  const output = answer?.outputTokens ?? b.tokens;
  const values = { id: nextId(), created: 0, input, total: input + output };
  const stop = answer && answer.toolCalls.length > 0 ? 'tool_use' : b.truncated ? 'max_tokens' : 'end_turn';
  const model = body.model;
  if (body.stream === true) {
    const build = (a: Answer) => eventTemplate(model, a, stop);
    const template = answer ? build(answer) : streams.get(`${model}|${b.tokens}|${stop}`, () => build(generatedAnswer(b.tokens)));
    return new Response(streamBody(template, values, b, start), { headers: SSE_HEADERS });
  }
  const build = (a: Answer) => messageTemplate(model, a, stop);
  const template = answer ? build(answer) : wholes.get(`${model}|${b.tokens}|${stop}`, () => build(generatedAnswer(b.tokens)));
  return message(template, b, values, start);
}

async function message(template: Template, b: Resolved, values: Stamp, start: number) {
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

const toolUseId = (answer: Answer, i: number) => answer.toolCalls[i].id ?? `toolu_${String(i).padStart(24, '0')}`;

function messageTemplate(model: string, answer: Answer, stop: string): Template {
  const content: object[] = answer.pieces.length > 0 ? [{ type: 'text', text: answerText(answer) }] : [];
  answer.toolCalls.forEach((call, i) => {
    content.push({ type: 'tool_use', id: toolUseId(answer, i), name: call.name, input: JSON.parse(call.arguments) });
  });
  return compile(JSON.stringify(messageShape(model, content, stop, answer.outputTokens)));
}

/** Text comes as block 0; each tool call is a block of its own whose input streams as JSON deltas. */
function eventTemplate(model: string, answer: Answer, stop: string): StreamTemplate {
  const event = (name: string, data: object) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
  const hasText = answer.pieces.length > 0;
  const preamble = [event('message_start', { type: 'message_start', message: messageShape(model, [], null, 1) })];
  if (hasText)
    preamble.push(event('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }));
  preamble.push(event('ping', { type: 'ping' }));
  const deltas = answer.pieces.map((text) =>
    event('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } }),
  );
  const closing = hasText ? [event('content_block_stop', { type: 'content_block_stop', index: 0 })] : [];
  answer.toolCalls.forEach((call, i) => {
    const index = i + (hasText ? 1 : 0);
    const block = { type: 'tool_use', id: toolUseId(answer, i), name: call.name, input: {} };
    closing.push(
      event('content_block_start', { type: 'content_block_start', index, content_block: block }),
      event('content_block_delta', {
        type: 'content_block_delta',
        index,
        delta: { type: 'input_json_delta', partial_json: call.arguments },
      }),
      event('content_block_stop', { type: 'content_block_stop', index }),
    );
  });
  closing.push(
    event('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: stop, stop_sequence: null },
      usage: { output_tokens: answer.outputTokens },
    }),
    event('message_stop', { type: 'message_stop' }),
  );
  return buildStreamTemplate(preamble, deltas, closing, compile);
}

export function anthropicModels(state: UpstreamState): Response {
  const data = state.models.map((id) => ({ type: 'model', id, display_name: id, created_at: '2025-01-01T00:00:00Z' }));
  return Response.json({ data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null });
}
