import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { type FakeUpstream, startFakeUpstream } from './index';

let upstream: FakeUpstream;
let client: Anthropic;

beforeAll(async () => {
  upstream = await startFakeUpstream({ tokens: 4 });
  client = new Anthropic({ baseURL: upstream.url, apiKey: 'x', maxRetries: 0 });
});
afterAll(() => upstream.stop());

const request = { model: 'claude-fake', max_tokens: 100, messages: [{ role: 'user' as const, content: 'Hello' }] };

describe('fake upstream speaks Anthropic', () => {
  test('answers-a-message-with-text-content-and-usage', async () => {
    const message = await client.messages.create(request);
    expect(message.type).toBe('message');
    expect(message.model).toBe('claude-fake');
    expect(message.content).toHaveLength(1);
    expect(message.content[0].type === 'text' && message.content[0].text).toBe('The quick brown fox');
    expect(message.stop_reason).toBe('end_turn');
    expect(message.usage.output_tokens).toBe(4);
    expect(message.id).toMatch(/^msg_/);
  });

  test('stops-at-max-tokens-with-stop-reason-max-tokens', async () => {
    const message = await client.messages.create({ ...request, max_tokens: 2 });
    expect(message.content[0].type === 'text' && message.content[0].text).toBe('The quick');
    expect(message.stop_reason).toBe('max_tokens');
  });

  test('streams-the-exact-event-sequence', async () => {
    const stream = await client.messages.create({ ...request, stream: true });
    const types: string[] = [];
    let text = '';
    let outputTokens = 0;
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
      if (event.type === 'message_delta') outputTokens = event.usage.output_tokens;
    }
    expect(types).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(text).toBe('The quick brown fox');
    expect(outputTokens).toBe(4);
  });

  test('sends-ping-as-a-named-event-on-the-wire', async () => {
    const res = await fetch(`${upstream.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-fake-tokens': '1' },
      body: JSON.stringify({ ...request, stream: true }),
    });
    const events = [...(await res.text()).matchAll(/^event: (\w+)$/gm)].map((m) => m[1]);
    expect(events).toEqual([
      'message_start',
      'content_block_start',
      'ping',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
  });

  test('the-stream-helper-assembles-the-final-message', async () => {
    const final = await client.messages.stream(request).finalMessage();
    expect(final.content[0].type === 'text' && final.content[0].text).toBe('The quick brown fox');
    expect(final.usage.output_tokens).toBe(4);
  });

  test('answers-an-injected-429-with-rate-limit-error-and-retry-hints', async () => {
    const error = await client.messages
      .create(request, { headers: { 'x-fake-error': '429', 'x-fake-retry-after-ms': '1500' } })
      .catch((e) => e);
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    expect(error.error.error.type).toBe('rate_limit_error');
    expect(error.headers.get('retry-after-ms')).toBe('1500');
    expect(error.headers.get('request-id')).toMatch(/^req_/);
  });

  test('answers-an-injected-529-with-overloaded-error', async () => {
    const error = await client.messages.create(request, { headers: { 'x-fake-error': '529' } }).catch((e) => e);
    expect(error.status).toBe(529);
    expect(error.error.error.type).toBe('overloaded_error');
  });

  test('answers-an-injected-500-with-api-error', async () => {
    const error = await client.messages.create(request, { headers: { 'x-fake-error': '500' } }).catch((e) => e);
    expect(error).toBeInstanceOf(Anthropic.InternalServerError);
    expect(error.error.error.type).toBe('api_error');
  });

  test('rejects-a-request-without-max-tokens-as-invalid-request-error', async () => {
    const res = await fetch(`${upstream.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages: request.messages }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
  });

  test('cuts-a-stream-mid-way', async () => {
    const stream = await client.messages.create({ ...request, stream: true }, { headers: { 'x-fake-cut-after': '1' } });
    const deltas: string[] = [];
    const error = await (async () => {
      for await (const event of stream) {
        if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') deltas.push(event.delta.text);
      }
    })().catch((e) => e);
    expect(deltas).toEqual(['The']);
    expect(error).toBeInstanceOf(Error);
  });

  test('lists-models-in-the-anthropic-shape-when-asked-with-anthropic-version', async () => {
    const page = await client.models.list();
    expect(page.data.map((m) => m.id)).toEqual(['fake-model']);
    expect(page.data[0].type).toBe('model');
  });

  test('refuses-a-wrong-x-api-key-with-authentication-error', async () => {
    const guarded = await startFakeUpstream({ apiKey: 'right' });
    try {
      const wrong = new Anthropic({ baseURL: guarded.url, apiKey: 'wrong', maxRetries: 0 });
      const error = await wrong.messages.create(request).catch((e) => e);
      expect(error).toBeInstanceOf(Anthropic.AuthenticationError);
      expect(error.error.error.type).toBe('authentication_error');
    } finally {
      await guarded.stop();
    }
  });
});
