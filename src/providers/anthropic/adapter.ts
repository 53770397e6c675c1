import type Anthropic from '@anthropic-ai/sdk';
import { providerError, readSdkFailure, type UpstreamFailure } from '../provider-error';
import type { Provider, ProviderRequest, ProviderResult, StreamEvent } from '../types';
import { AnthropicStreamParser } from './stream-parser';
import { mapStopReason, messageText, messageToolCalls, toAnthropicParams } from './transform';

export const ANTHROPIC_DEFAULT_BASE_URL = 'https://api.anthropic.com';

export interface AnthropicOptions {
  /** The provider's name: `anthropic`, or a connection's. */
  name?: string;
  apiKey: string;
  baseURL: string;
  timeoutMs: number;
}

/**
 * The SDK, loaded when an Anthropic connection is first used: a server without one never needs
 * it, and it was among the larger packages in a start's profile.
 */
const sdk = () => require('@anthropic-ai/sdk') as typeof import('@anthropic-ai/sdk');

export const readAnthropicFailure = (err: unknown, signal: AbortSignal): UpstreamFailure => readSdkFailure(sdk(), err, signal);

/** A client pinned to our config: no environment reads, no SDK retries (the router owns them). */
export function anthropicClient(opts: Omit<AnthropicOptions, 'name'>): Anthropic {
  return new (sdk().default)({
    apiKey: opts.apiKey,
    authToken: null,
    webhookKey: null,
    baseURL: opts.baseURL,
    maxRetries: 0,
    timeout: opts.timeoutMs,
    openTelemetry: false,
  });
}

export function createAnthropicProvider(opts: AnthropicOptions, client = anthropicClient(opts)): Provider {
  const name = opts.name ?? 'anthropic';
  const fail = (err: unknown, signal: AbortSignal) => providerError(name, readAnthropicFailure(err, signal), [opts.apiKey]);

  async function* stream(req: ProviderRequest): AsyncGenerator<StreamEvent> {
    const parser = new AnthropicStreamParser();
    const events: StreamEvent[] = [];
    try {
      const raw = await client.messages.create({ ...toAnthropicParams(req), stream: true }, { signal: req.signal });
      for await (const event of raw) {
        parser.push(event, events);
        for (const e of events) yield e;
        events.length = 0;
      }
    } catch (err) {
      throw fail(err, req.signal);
    }
    if (!parser.complete) throw fail(new Error('stream ended before message_stop'), req.signal);
  }

  async function generate(req: ProviderRequest): Promise<ProviderResult> {
    let message: Anthropic.Messages.Message;
    try {
      message = await client.messages.create(toAnthropicParams(req), { signal: req.signal });
    } catch (err) {
      throw fail(err, req.signal);
    }
    const u = message.usage;
    return {
      text: messageText(message.content),
      toolCalls: messageToolCalls(message.content),
      usage: {
        inputTokens: u.input_tokens + (u.cache_creation_input_tokens ?? 0) + (u.cache_read_input_tokens ?? 0),
        outputTokens: u.output_tokens,
        estimated: false,
      },
      finishReason: mapStopReason(message.stop_reason),
    };
  }

  return { name, stream, generate };
}
