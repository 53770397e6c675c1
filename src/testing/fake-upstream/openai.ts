import { type Answer, answerText, generatedAnswer, type ScriptedAnswer, scriptedAnswer, scriptedPacing } from './answer';
import { preflight, type Resolved, resolveBehaviour, retryHeaders, type UpstreamState } from './behaviour';
import { embeddingsResponse } from './embeddings';
import { type RawReply, rawResponse } from './replies';
import { buildStreamTemplate, cutBody, hold, type StreamTemplate, sleep, streamBody } from './stream';
import { compile, estimateTokens, MARK, nextId, type Stamp, stamp, type Template, TemplateCache } from './template';

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

/** OpenAI's error envelope, `{"error": {message, type, param, code}}`, with retry hints on 429 and 503. */
export function openaiErrorReply(status: number, message?: string, retryAfterMs = 1000, param: string | null = null): RawReply {
  const e = ERRORS[status] ?? ERRORS[500];
  const headers = status === 429 || status === 503 ? { ...JSON_HEADERS, ...retryHeaders(retryAfterMs) } : JSON_HEADERS;
  return { status, body: { error: { message: message ?? e.message, type: e.type, param, code: e.code } }, headers };
}

export function openaiError(status: number, message?: string, retryAfterMs = 1000, param: string | null = null): Response {
  return rawResponse(openaiErrorReply(status, message, retryAfterMs, param));
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

/** `/v1/chat/completions`: a generated answer shaped by the behaviour, or the one a test scripted. */
export async function openaiChat(req: Request, raw: unknown, state: UpstreamState, scripted?: ScriptedAnswer): Promise<Response> {
  const begin = performance.now();
  if (!authorized(req, state)) return openaiError(401);
  const body = raw as ChatBody | null;
  if (body === null || typeof body !== 'object') return openaiError(400);
  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    return openaiError(400, "Missing required parameter: 'messages'.", undefined, 'messages');
  }
  const cap = Number(body.max_completion_tokens ?? body.max_tokens ?? NaN);
  const resolved = resolveBehaviour(state.behaviour, req.headers, Number.isFinite(cap) ? cap : null);
  const answer = scripted ? scriptedAnswer(scripted) : null;
  const b = answer ? scriptedPacing(resolved, answer, scripted?.delayMs) : resolved;
  const early = await preflight(b, req.signal, (status) => openaiError(status, undefined, b.retryAfterMs), hold);
  if (early) return early;
  const start = b.error === 'stall' ? performance.now() : begin;
  const model = typeof body.model === 'string' ? body.model : state.models[0];
  const input = body.messages.reduce(
    (sum, m) => sum + estimateTokens(typeof m?.content === 'string' ? m.content : JSON.stringify(m?.content ?? '')),
    0,
  );
  const output = answer?.outputTokens ?? b.tokens;
  const values = { id: nextId(), created: Math.floor(Date.now() / 1000), input, total: input + output };
  const finish = answer && answer.toolCalls.length > 0 ? 'tool_calls' : b.truncated ? 'length' : 'stop';
  if (body.stream === true) {
    const usage = body.stream_options?.include_usage === true;
    const build = (a: Answer) => chunkTemplate(model, a, finish, usage);
    const template = answer
      ? build(answer)
      : streams.get(`${model}|${b.tokens}|${finish}|${usage}`, () => build(generatedAnswer(b.tokens)));
    return new Response(streamBody(template, values, b, start), { headers: SSE_HEADERS });
  }
  const build = (a: Answer) => completionTemplate(model, a, finish);
  const template = answer ? build(answer) : wholes.get(`${model}|${b.tokens}|${finish}`, () => build(generatedAnswer(b.tokens)));
  return completion(template, b, values, start);
}

async function completion(template: Template, b: Resolved, values: Stamp, start: number) {
  if (b.error === 'cut') return new Response(cutBody(), { headers: JSON_HEADERS });
  const generation = b.ttftMs + (b.tps > 0 ? ((b.tokens - 1) * 1000) / b.tps : 0);
  await sleep(start + generation - performance.now());
  return new Response(stamp(template, values), { headers: JSON_HEADERS });
}

const toolCallId = (answer: Answer, i: number) => answer.toolCalls[i].id ?? `call_${String(i).padStart(24, '0')}`;

function completionTemplate(model: string, answer: Answer, finish: string): Template {
  const text = answerText(answer);
  const toolCalls = answer.toolCalls.map((call, i) => ({
    id: toolCallId(answer, i),
    type: 'function',
    function: { name: call.name, arguments: call.arguments },
  }));
  const message = {
    role: 'assistant',
    content: toolCalls.length > 0 && text === '' ? null : text,
    ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
    refusal: null,
    annotations: [],
  };
  return compile(
    JSON.stringify({
      id: `chatcmpl-${MARK.id}`,
      object: 'chat.completion',
      created: MARK.created,
      model,
      choices: [{ index: 0, message, logprobs: null, finish_reason: finish }],
      usage: usage(answer.outputTokens),
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

/** Tool calls stream the way OpenAI sends them: id and name first, then the arguments. */
function chunkTemplate(model: string, answer: Answer, finish: string, withUsage: boolean): StreamTemplate {
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
  const calls = answer.toolCalls.flatMap((call, index) => [
    chunk({ tool_calls: [{ index, id: toolCallId(answer, index), type: 'function', function: { name: call.name, arguments: '' } }] }, null),
    chunk({ tool_calls: [{ index, function: { arguments: call.arguments } }] }, null),
  ]);
  const closing = [...calls, chunk({}, finish)];
  if (withUsage) closing.push(frame({ choices: [], usage: usage(answer.outputTokens) }));
  closing.push('data: [DONE]\n\n');
  const tokenChunks = answer.pieces.map((piece) => chunk({ content: piece }, null));
  return buildStreamTemplate([chunk({ role: 'assistant', content: '', refusal: null }, null)], tokenChunks, closing, compile);
}

export function openaiModels(state: UpstreamState): Response {
  const created = 1_700_000_000;
  return Response.json({ object: 'list', data: state.models.map((id) => ({ id, object: 'model', created, owned_by: 'fake-upstream' })) });
}

export async function openaiEmbeddings(req: Request, raw: unknown, state: UpstreamState): Promise<Response> {
  if (!authorized(req, state)) return openaiError(401);
  const body = raw as Record<string, unknown> | null;
  if (body === null || typeof body !== 'object') return openaiError(400);
  const b = resolveBehaviour(state.behaviour, req.headers, null);
  const early = await preflight(b, req.signal, (status) => openaiError(status, undefined, b.retryAfterMs), hold);
  if (early) return early;
  await sleep(b.ttftMs);
  return embeddingsResponse(body, state, (message, param) => openaiError(400, message, undefined, param));
}
