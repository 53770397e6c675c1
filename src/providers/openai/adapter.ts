import OpenAI from 'openai';
import { providerError } from '../provider-error.ts';
import type { Provider, ProviderName, ProviderRequest, ProviderResult, StreamEvent } from '../types.ts';
import { estimateUsage } from '../usage.ts';
import { readOpenAIFailure } from './errors.ts';
import { chunkEvents, completionToolCalls, mapFinishReason, toOpenAIParams, type MaxTokensField } from './transform.ts';

export const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';

export interface OpenAICompatibleOptions {
  name: Extract<ProviderName, 'openai' | 'local'>;
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

  async function* stream(req: ProviderRequest): AsyncGenerator<StreamEvent> {
    const params = { ...toOpenAIParams(req, opts.maxTokensField), stream: true as const, stream_options: { include_usage: true } };
    let finish: string | undefined;
    const events: StreamEvent[] = [];
    try {
      const chunks = await client.chat.completions.create(params, { signal: req.signal });
      for await (const chunk of chunks) {
        finish = chunkEvents(chunk, events) ?? finish;
        for (const e of events) yield e;
        events.length = 0;
      }
    } catch (err) {
      throw fail(err, req.signal);
    }
    if (!finish) throw fail(new Error('stream ended without a finish reason'), req.signal);
    yield { type: 'finish', reason: mapFinishReason(finish) };
  }

  async function generate(req: ProviderRequest): Promise<ProviderResult> {
    let completion: OpenAI.Chat.Completions.ChatCompletion;
    try {
      completion = await client.chat.completions.create(toOpenAIParams(req, opts.maxTokensField), { signal: req.signal });
    } catch (err) {
      throw fail(err, req.signal);
    }
    const choice = completion.choices[0];
    const text = choice?.message.content ?? '';
    const toolCalls = choice ? completionToolCalls(choice.message) : [];
    const usage = completion.usage
      ? { inputTokens: completion.usage.prompt_tokens, outputTokens: completion.usage.completion_tokens, estimated: false }
      : { ...estimateUsage(req.messages, text, toolCalls), estimated: true };
    return { text, toolCalls, usage, finishReason: mapFinishReason(choice?.finish_reason) };
  }

  return { name: opts.name, stream, generate };
}
