import { afterAll, describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import { openaiErrorReply, startFakeUpstream } from '../testing/fake-upstream';
import { createOpenAICompatibleProvider } from './openai/adapter';
import { ProviderError } from './provider-error';
import type { ProviderRequest, StreamEvent } from './types';

const server = await startFakeUpstream({ record: true, fixtures: join(import.meta.dir, '__fixtures__') });
afterAll(() => server.stop());
const PATH = '/v1/chat/completions';
const API_KEY = 'sk-test-0123456789abcdefSECRET';
const provider = createOpenAICompatibleProvider({
  name: 'openai',
  apiKey: API_KEY,
  baseURL: `${server.url}/v1`,
  timeoutMs: 5_000,
  maxTokensField: 'max_completion_tokens',
});

function request(extra: Partial<ProviderRequest> = {}): ProviderRequest {
  return { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say something' }], signal: new AbortController().signal, ...extra };
}

async function collect(events: AsyncIterable<StreamEvent>): Promise<StreamEvent[]> {
  const out: StreamEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

async function failure(run: () => Promise<unknown>): Promise<ProviderError> {
  try {
    await run();
  } catch (err) {
    expect(err).toBeInstanceOf(ProviderError);
    return err as ProviderError;
  }
  throw new Error('expected a failure');
}

describe('openai adapter', () => {
  test('streams-text-then-usage-then-finish-from-recorded-transcript', async () => {
    server.script(PATH, { sse: 'openai-text-stream.sse' });
    const events = await collect(provider.stream(request({ maxTokens: 50 })));
    const text = events.flatMap((e) => (e.type === 'text' ? [e.delta] : [])).join('');
    expect(text).toBe('The quick brown fox jumps over the lazy dog.');
    expect(events.at(-2)).toEqual({ type: 'usage', inputTokens: 19, outputTokens: 10 });
    expect(events.at(-1)).toEqual({ type: 'finish', reason: 'stop' });
    const sent = server.requests.at(-1)!;
    expect(sent.body.stream).toBe(true);
    expect(sent.body.stream_options).toEqual({ include_usage: true });
    expect(sent.body.max_completion_tokens).toBe(50);
    expect(sent.headers.get('authorization')).toBe(`Bearer ${API_KEY}`);
  });

  test('parses-parallel-tool-call-deltas', async () => {
    server.script(PATH, { sse: 'openai-tool-calls-stream.sse' });
    const tools = [{ name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } }];
    const events = await collect(provider.stream(request({ tools, toolChoice: 'auto' })));
    const calls = new Map<number, { id?: string; name?: string; args: string }>();
    for (const e of events) {
      if (e.type !== 'tool-call') continue;
      const c = calls.get(e.index) ?? { args: '' };
      c.id ??= e.id;
      c.name ??= e.name;
      c.args += e.argumentsDelta;
      calls.set(e.index, c);
    }
    expect(calls.get(0)).toEqual({ id: 'call_a1B2c3', name: 'get_weather', args: '{"city": "Paris"}' });
    expect(calls.get(1)).toEqual({ id: 'call_d4E5f6', name: 'get_time', args: '{"tz":"Europe/Paris"}' });
    expect(events.at(-1)).toEqual({ type: 'finish', reason: 'tool_calls' });
    expect(server.requests.at(-1)!.body.tools[0]).toEqual({ type: 'function', function: { ...tools[0], description: undefined } });
  });

  test('sends-tool-results-in-openai-shape', async () => {
    server.script(PATH, { sse: 'openai-text-stream.sse' });
    await collect(
      provider.stream(
        request({
          messages: [
            { role: 'system', content: 'Be brief.' },
            { role: 'user', content: 'Weather?' },
            { role: 'assistant', content: '', toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Oslo"}' }] },
            { role: 'tool', toolCallId: 'call_1', content: '{"temp":3}' },
          ],
        }),
      ),
    );
    const sent = server.requests.at(-1)!.body.messages;
    expect(sent[2]).toEqual({
      role: 'assistant',
      content: null,
      tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }],
    });
    expect(sent[3]).toEqual({ role: 'tool', tool_call_id: 'call_1', content: '{"temp":3}' });
  });

  test('marks-429-retryable-with-retry-after-ms', async () => {
    server.script(PATH, { ...openaiErrorReply(429, 'Rate limit reached'), headers: { 'retry-after-ms': '1500' } });
    const err = await failure(() => collect(provider.stream(request())));
    expect(err.retryable).toBe(true);
    expect(err.code).toBe('upstream_rate_limited');
    expect(err.retryAfterMs).toBe(1500);
  });

  test('marks-400-as-a-request-error-not-retryable', async () => {
    server.script(PATH, openaiErrorReply(400, "This model's maximum context length is 128000 tokens."));
    const err = await failure(() => provider.generate(request()));
    expect(err.retryable).toBe(false);
    expect(err.scope).toBe('request');
    expect(err.status).toBe(400);
  });

  test('never-puts-the-api-key-into-an-error', async () => {
    server.script(
      PATH,
      openaiErrorReply(401, `Incorrect API key provided: ${API_KEY}. You can find your API key at https://platform.openai.com.`),
    );
    const err = await failure(() => collect(provider.stream(request())));
    expect(err.scope).toBe('deployment');
    expect(err.message).not.toContain(API_KEY);
    expect(err.message).not.toContain('0123456789abcdef');
    expect(JSON.stringify(err)).not.toContain(API_KEY);
  });

  test('generate-returns-text-tool-calls-and-usage', async () => {
    server.script(PATH, {
      status: 200,
      body: {
        id: 'chatcmpl-1',
        object: 'chat.completion',
        created: 1735689600,
        model: 'gpt-4o-mini',
        choices: [
          { index: 0, message: { role: 'assistant', content: 'Hi there.', refusal: null }, logprobs: null, finish_reason: 'length' },
        ],
        usage: { prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 },
      },
    });
    const result = await provider.generate(request());
    expect(result).toEqual({
      text: 'Hi there.',
      toolCalls: [],
      usage: { inputTokens: 9, outputTokens: 3, estimated: false },
      finishReason: 'length',
    });
    expect(server.requests.at(-1)!.body.stream).toBeUndefined();
  });

  test('a-stream-that-ends-without-finish-is-a-retryable-failure', async () => {
    server.script(PATH, { sse: 'openai-text-stream.sse', cutAfter: 4 });
    const err = await failure(() => collect(provider.stream(request())));
    expect(err.retryable).toBe(true);
  });
});
