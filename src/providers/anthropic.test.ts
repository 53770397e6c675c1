import { afterAll, describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import { anthropicErrorReply, startFakeUpstream } from '../testing/fake-upstream';
import { createAnthropicProvider } from './anthropic/adapter';
import { ProviderError } from './provider-error';
import type { ProviderRequest, StreamEvent } from './types';

const server = await startFakeUpstream({ record: true, fixtures: join(import.meta.dir, '__fixtures__') });
afterAll(() => server.stop());
const PATH = '/v1/messages';
const API_KEY = 'sk-ant-api03-test-key-abcdef';
const provider = createAnthropicProvider({ apiKey: API_KEY, baseURL: server.url, timeoutMs: 5_000 });

function request(extra: Partial<ProviderRequest> = {}): ProviderRequest {
  return { model: 'claude-haiku-4-5', messages: [{ role: 'user', content: 'Hello' }], signal: new AbortController().signal, ...extra };
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

describe('anthropic adapter', () => {
  test('streams-named-events-into-text-usage-and-finish', async () => {
    server.script(PATH, { sse: 'anthropic-text-stream.sse' });
    const events = await collect(provider.stream(request()));
    expect(events.flatMap((e) => (e.type === 'text' ? [e.delta] : [])).join('')).toBe('Hello! How can I help you today?');
    expect(events.at(-2)).toEqual({ type: 'usage', inputTokens: 25, outputTokens: 12 });
    expect(events.at(-1)).toEqual({ type: 'finish', reason: 'stop' });
    const sent = server.requests.at(-1)!;
    const credential = sent.headers.get('x-api-key') ?? sent.headers.get('authorization')?.replace(/^Bearer /, '');
    expect(credential).toBe(API_KEY);
    expect(sent.headers.get('anthropic-version')).toBeTruthy();
    expect(sent.body).toMatchObject({ model: 'claude-haiku-4-5', stream: true, max_tokens: 4096 });
  });

  test('parses-tool-use-input-json-deltas', async () => {
    server.script(PATH, { sse: 'anthropic-tool-use-stream.sse' });
    const events = await collect(
      provider.stream(request({ tools: [{ name: 'get_weather', parameters: { type: 'object' } }], toolChoice: 'required' })),
    );
    const calls = events.filter((e) => e.type === 'tool-call');
    expect(calls[0]).toEqual({
      type: 'tool-call',
      index: 0,
      id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6',
      name: 'get_weather',
      argumentsDelta: '',
    });
    expect(calls.map((c) => (c.type === 'tool-call' ? c.argumentsDelta : '')).join('')).toBe('{"location": "San Francisco, CA"}');
    expect(calls.every((c) => c.type === 'tool-call' && c.index === 0)).toBe(true);
    expect(events.at(-1)).toEqual({ type: 'finish', reason: 'tool_calls' });
    expect(events.at(-2)).toEqual({ type: 'usage', inputTokens: 472, outputTokens: 89 });
    const sent = server.requests.at(-1)!.body;
    expect(sent.tools).toEqual([{ name: 'get_weather', input_schema: { type: 'object' } }]);
    expect(sent.tool_choice).toEqual({ type: 'any' });
  });

  test('maps-system-messages-and-tool-results-to-anthropic-blocks', async () => {
    server.script(PATH, { sse: 'anthropic-text-stream.sse' });
    await collect(
      provider.stream(
        request({
          messages: [
            { role: 'system', content: 'Be brief.' },
            { role: 'system', content: 'Cite sources.' },
            { role: 'user', content: 'Weather in Oslo and Rome?' },
            {
              role: 'assistant',
              content: 'Checking.',
              toolCalls: [
                { id: 'toolu_1', name: 'get_weather', arguments: '{"city":"Oslo"}' },
                { id: 'toolu_2', name: 'get_weather', arguments: '{"city":"Rome"}' },
              ],
            },
            { role: 'tool', toolCallId: 'toolu_1', content: '3°C' },
            { role: 'tool', toolCallId: 'toolu_2', content: '18°C' },
          ],
        }),
      ),
    );
    const sent = server.requests.at(-1)!.body;
    expect(sent.system).toBe('Be brief.\n\nCite sources.');
    expect(sent.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Weather in Oslo and Rome?' }] },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Checking.' },
          { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Oslo' } },
          { type: 'tool_use', id: 'toolu_2', name: 'get_weather', input: { city: 'Rome' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_1', content: '3°C' },
          { type: 'tool_result', tool_use_id: 'toolu_2', content: '18°C' },
        ],
      },
    ]);
  });

  test('an-error-event-mid-stream-is-a-retryable-failure-after-the-partial-text', async () => {
    server.script(PATH, { sse: 'anthropic-overloaded-midstream.sse' });
    const seen: string[] = [];
    const err = await failure(async () => {
      for await (const e of provider.stream(request())) if (e.type === 'text') seen.push(e.delta);
    });
    expect(seen.join('')).toBe('Partial answer');
    expect(err.retryable).toBe(true);
  });

  test('maps-529-overloaded-and-retry-after-date', async () => {
    const when = new Date(Date.now() + 60_000).toUTCString();
    server.script(PATH, { ...anthropicErrorReply(529, 'Overloaded'), headers: { 'retry-after': when } });
    const err = await failure(() => collect(provider.stream(request())));
    expect(err.retryable).toBe(true);
    expect(err.retryAfterMs).toBeGreaterThan(50_000);
    expect(err.retryAfterMs).toBeLessThanOrEqual(60_000);
  });

  test('an-invalid-key-is-a-deployment-failure-without-the-key-in-the-message', async () => {
    server.script(PATH, anthropicErrorReply(401, `invalid x-api-key ${API_KEY}`));
    const err = await failure(() => provider.generate(request()));
    expect(err.scope).toBe('deployment');
    expect(err.message).not.toContain(API_KEY);
  });

  test('generate-reads-text-tool-use-and-usage', async () => {
    server.script(PATH, {
      status: 200,
      body: {
        id: 'msg_1',
        type: 'message',
        role: 'assistant',
        model: 'claude-haiku-4-5',
        content: [
          { type: 'text', text: 'Looking it up.' },
          { type: 'tool_use', id: 'toolu_9', name: 'lookup', input: { q: 'x' } },
        ],
        stop_reason: 'tool_use',
        stop_sequence: null,
        usage: { input_tokens: 30, output_tokens: 14, cache_creation_input_tokens: 0, cache_read_input_tokens: 10 },
      },
    });
    const result = await provider.generate(request());
    expect(result).toEqual({
      text: 'Looking it up.',
      toolCalls: [{ id: 'toolu_9', name: 'lookup', arguments: '{"q":"x"}' }],
      usage: { inputTokens: 40, outputTokens: 14, estimated: false },
      finishReason: 'tool_calls',
    });
  });
});
