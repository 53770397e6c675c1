import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { type FakeUpstream, startFakeUpstream } from './index';

let upstream: FakeUpstream;
let client: OpenAI;

beforeAll(async () => {
  upstream = await startFakeUpstream({ tokens: 5, models: ['fake-a', 'fake-b'] });
  client = new OpenAI({ baseURL: `${upstream.url}/v1`, apiKey: 'x', maxRetries: 0 });
});
afterAll(() => upstream.stop());

const messages = [{ role: 'user' as const, content: 'Say something' }];

describe('fake upstream speaks OpenAI', () => {
  test('streams-chat-completion-chunk-objects-ending-with-a-usage-chunk', async () => {
    const stream = await client.chat.completions.create({
      model: 'fake-a',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    const text = chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('');
    expect(text).toBe('The quick brown fox jumps');
    expect(chunks.every((c) => c.object === 'chat.completion.chunk' && c.id === chunks[0].id)).toBe(true);
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe('stop');
    expect(chunks.at(-1)?.choices).toEqual([]);
    expect(chunks.at(-1)?.usage?.completion_tokens).toBe(5);
    expect(chunks.at(-1)?.usage?.total_tokens).toBe((chunks.at(-1)?.usage?.prompt_tokens ?? 0) + 5);
  });

  test('omits-usage-chunks-unless-include-usage-is-asked-for', async () => {
    const stream = await client.chat.completions.create({ model: 'fake-a', messages, stream: true });
    const chunks: ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.some((c) => c.usage)).toBe(false);
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('stop');
  });

  test('answers-unstreamed-completions-with-usage-and-a-length-stop-under-max-tokens', async () => {
    const full = await client.chat.completions.create({ model: 'fake-b', messages });
    expect(full.model).toBe('fake-b');
    expect(full.choices[0].message.content).toBe('The quick brown fox jumps');
    expect(full.usage?.completion_tokens).toBe(5);
    const capped = await client.chat.completions.create({ model: 'fake-b', messages, max_tokens: 2 });
    expect(capped.choices[0].message.content).toBe('The quick');
    expect(capped.choices[0].finish_reason).toBe('length');
  });

  test('gives-every-response-its-own-id', async () => {
    const a = await client.chat.completions.create({ model: 'fake-a', messages });
    const b = await client.chat.completions.create({ model: 'fake-a', messages });
    expect(a.id).toMatch(/^chatcmpl-/);
    expect(a.id).not.toBe(b.id);
  });

  test('lists-the-configured-models', async () => {
    const models = [];
    for await (const model of client.models.list()) models.push(model.id);
    expect(models).toEqual(['fake-a', 'fake-b']);
  });

  test('embeds-deterministically-in-float-and-base64-encodings', async () => {
    const floats = await client.embeddings.create({ model: 'emb', input: ['alpha', 'beta'], encoding_format: 'float' });
    const base64 = await client.embeddings.create({ model: 'emb', input: ['alpha', 'beta'], dimensions: 1536 });
    expect(floats.data).toHaveLength(2);
    expect(floats.data[0].embedding).toHaveLength(1536);
    expect(base64.data[0].embedding[0]).toBeCloseTo(floats.data[0].embedding[0], 5);
    expect(floats.data[0].embedding).not.toEqual(floats.data[1].embedding);
    const norm = Math.hypot(...floats.data[0].embedding);
    expect(norm).toBeCloseTo(1, 4);
  });

  test('answers-an-injected-429-with-the-rate-limit-body-and-retry-hints', async () => {
    const error = await client.chat.completions
      .create({ model: 'fake-a', messages }, { headers: { 'x-fake-error': '429', 'x-fake-retry-after-ms': '2500' } })
      .catch((e) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect(error.status).toBe(429);
    expect(error.code).toBe('rate_limit_exceeded');
    expect(error.headers.get('retry-after-ms')).toBe('2500');
    expect(error.headers.get('retry-after')).toBe('3');
  });

  test('answers-an-injected-500-as-an-internal-server-error', async () => {
    const error = await client.chat.completions
      .create({ model: 'fake-a', messages }, { headers: { 'x-fake-error': '500' } })
      .catch((e) => e);
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect(error.type).toBe('server_error');
  });

  test('cuts-a-stream-after-the-requested-number-of-tokens', async () => {
    const stream = await client.chat.completions.create(
      { model: 'fake-a', messages, stream: true },
      { headers: { 'x-fake-cut-after': '2', 'x-fake-tokens': '6' } },
    );
    const seen: string[] = [];
    const error = await (async () => {
      for await (const chunk of stream) if (chunk.choices[0]?.delta?.content) seen.push(chunk.choices[0].delta.content);
    })().catch((e) => e);
    expect(seen).toEqual(['The', ' quick']);
    expect(error).toBeInstanceOf(Error);
  });

  test('stalls-until-the-client-gives-up', async () => {
    const error = await client.chat.completions
      .create({ model: 'fake-a', messages }, { headers: { 'x-fake-error': 'stall' }, timeout: 300 })
      .catch((e) => e);
    expect(error).toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
  });

  test('applies-server-wide-faults-set-through-configure', async () => {
    upstream.configure({ error: '500' });
    const failed = await client.chat.completions.create({ model: 'fake-a', messages }).catch((e) => e);
    upstream.configure({ error: null });
    const ok = await client.chat.completions.create({ model: 'fake-a', messages });
    expect(failed.status).toBe(500);
    expect(ok.choices[0].message.content).toBe('The quick brown fox jumps');
  });

  test('rejects-a-malformed-body-with-invalid-request-error', async () => {
    const res = await fetch(`${upstream.url}/v1/chat/completions`, { method: 'POST', body: '{nope' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { type: string } }).error.type).toBe('invalid_request_error');
  });
});

describe('fake upstream with a required key', () => {
  test('refuses-a-wrong-key-with-invalid-api-key', async () => {
    const guarded = await startFakeUpstream({ apiKey: 'right' });
    try {
      const wrong = new OpenAI({ baseURL: `${guarded.url}/v1`, apiKey: 'wrong', maxRetries: 0 });
      const right = new OpenAI({ baseURL: `${guarded.url}/v1`, apiKey: 'right', maxRetries: 0 });
      const error = await wrong.chat.completions.create({ model: 'm', messages }).catch((e) => e);
      expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
      expect(error.code).toBe('invalid_api_key');
      expect((await right.chat.completions.create({ model: 'm', messages })).choices).toHaveLength(1);
    } finally {
      await guarded.stop();
    }
  });
});
