import OpenAI from 'openai';
import { providerError } from '../provider-error';
import type { Provider, ProviderRequest, ProviderResult, StreamEvent } from '../types';
import { estimateUsage } from '../usage';
import { readOpenAIFailure } from './errors';
import { canPassThrough, createPassthroughSender, passthroughBody } from './passthrough';
import { sseMessages } from './sse-reader';
import { chunkEvents, chunkOf, completionToolCalls, type MaxTokensField, mapFinishReason, toOpenAIParams } from './transform';

export const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';

export interface OpenAICompatibleOptions {
  /** The provider's name (`openai`, `local`, or a connection's). */
  name: string;
  apiKey: string;
  baseURL: string;
  timeoutMs: number;
  maxTokensField: MaxTokensField;
}

/** A client pinned to our config: no environment reads, no SDK retries (the router owns them). */
export function openAIClient(opts: Pick<OpenAICompatibleOptions, 'apiKey' | 'baseURL' | 'timeoutMs'>): OpenAI {
  return new OpenAI({
    apiKey: opts.apiKey,
    baseURL: opts.baseURL,
    organization: null,
    project: null,
    webhookSecret: null,
    maxRetries: 0,
    timeout: opts.timeoutMs,
  });
}

/** Chat Completions over the official SDK: OpenAI itself and every OpenAI-compatible server. */
export function createOpenAICompatibleProvider(opts: OpenAICompatibleOptions, client = openAIClient(opts)): Provider {
  const fail = (err: unknown, signal: AbortSignal) => providerError(opts.name, readOpenAIFailure(err, signal), [opts.apiKey]);
  const passthrough = createPassthroughSender(opts);

  /**
   * The SDK sends the request and turns HTTP failures into its typed errors; the body is read with
   * our own SSE reader, which costs a fraction of the SDK's per-event iterator chain.
   */
  async function* stream(req: ProviderRequest): AsyncGenerator<StreamEvent> {
    let finish: string | undefined;
    const events: StreamEvent[] = [];
    try {
      const response = canPassThrough(req)
        ? await passthrough(passthroughBody(req, opts.maxTokensField, true), req.signal)
        : await client.chat.completions
            .create(
              { ...toOpenAIParams(req, opts.maxTokensField), stream: true as const, stream_options: { include_usage: true } },
              { signal: req.signal },
            )
            .asResponse();
      if (!response.body) throw new Error('the stream response has no body');
      for await (const messages of sseMessages(response.body)) {
        let failure: unknown;
        let ended = false;
        for (const m of messages) {
          if ((ended = m.data === '[DONE]')) break;
          try {
            finish = chunkEvents(chunkOf(m, response.headers), events) ?? finish;
          } catch (err) {
            failure = err;
            break;
          }
        }
        for (const e of events) yield e;
        events.length = 0;
        if (failure !== undefined) throw failure;
        if (ended) break;
      }
    } catch (err) {
      throw fail(err, req.signal);
    }
    if (!finish) throw fail(new Error('stream ended without a finish reason'), req.signal);
    yield { type: 'finish', reason: mapFinishReason(finish) };
  }

  async function generate(req: ProviderRequest): Promise<ProviderResult> {
    let completion: OpenAI.Chat.Completions.ChatCompletion;
    const direct = canPassThrough(req);
    try {
      completion = direct
        ? await (await passthrough(passthroughBody(req, opts.maxTokensField, false), req.signal)).json()
        : await client.chat.completions.create(toOpenAIParams(req, opts.maxTokensField), { signal: req.signal });
    } catch (err) {
      throw fail(err, req.signal);
    }
    const choice = completion.choices[0];
    const text = choice?.message.content ?? '';
    const toolCalls = choice ? completionToolCalls(choice.message) : [];
    const usage = completion.usage
      ? { inputTokens: completion.usage.prompt_tokens, outputTokens: completion.usage.completion_tokens, estimated: false }
      : { ...estimateUsage(req.messages, text, toolCalls), estimated: true };
    const result = { text, toolCalls, usage, finishReason: mapFinishReason(choice?.finish_reason) };
    return direct ? { ...result, openaiCompletion: completion as unknown as Record<string, unknown> } : result;
  }

  return { name: opts.name, stream, generate };
}
