import { afterAll, beforeEach, describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { anthropicErrorReply, openaiErrorReply, startFakeUpstream } from './index';

const upstream = await startFakeUpstream({ record: true, fixtures: join(import.meta.dir, '../../providers/__fixtures__') });
afterAll(() => upstream.stop());
beforeEach(() => upstream.reset());

const CHAT = '/v1/chat/completions';
const MESSAGES = '/v1/messages';
const openai = new OpenAI({ baseURL: `${upstream.url}/v1`, apiKey: 'x', maxRetries: 0 });
const anthropic = new Anthropic({ baseURL: upstream.url, apiKey: 'x', maxRetries: 0 });
const messages = [{ role: 'user' as const, content: 'Hello' }];
const weather = { name: 'get_weather', arguments: '{"city":"Paris"}' };

describe('scripted answers', () => {
  test('answers-the-scripted-text-word-by-word-in-openai-chunks-then-the-generated-one', async () => {
    upstream.script(CHAT, { text: 'Scripted words arrive one by one.' });
    const stream = await openai.chat.completions.create({ model: 'm', messages, stream: true, stream_options: { include_usage: true } });
    const pieces: string[] = [];
    let completionTokens = 0;
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta?.content) pieces.push(chunk.choices[0].delta.content);
      if (chunk.usage) completionTokens = chunk.usage.completion_tokens;
    }
    expect(pieces).toEqual(['Scripted', ' words', ' arrive', ' one', ' by', ' one.']);
    expect(completionTokens).toBe(6);
    const next = await openai.chat.completions.create({ model: 'm', messages });
    expect(next.choices[0].message.content).toStartWith('The quick brown fox');
  });

  test('paces-each-word-of-a-scripted-answer-by-its-delay', async () => {
    upstream.script(CHAT, { text: 'one two three four', delayMs: 40 });
    const started = performance.now();
    const arrivals: number[] = [];
    const stream = await openai.chat.completions.create({ model: 'm', messages, stream: true });
    for await (const chunk of stream) if (chunk.choices[0]?.delta?.content) arrivals.push(performance.now() - started);
    expect(arrivals).toHaveLength(4);
    expect(arrivals[0]).toBeGreaterThanOrEqual(35);
    expect(arrivals[3] - arrivals[0]).toBeGreaterThanOrEqual(3 * 35);
  });

  test('streams-scripted-tool-calls-that-the-openai-sdk-assembles', async () => {
    upstream.script(CHAT, { text: 'Checking.', toolCalls: [weather, { id: 'call_own', name: 'get_time', arguments: '{}' }] });
    const final = await openai.chat.completions
      .stream({ model: 'm', messages, tools: [{ type: 'function', function: { name: 'get_weather' } }] })
      .finalChatCompletion();
    const choice = final.choices[0];
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.content).toBe('Checking.');
    expect(choice.message.tool_calls?.map((c) => (c.type === 'function' ? [c.function.name, c.function.arguments] : []))).toEqual([
      ['get_weather', '{"city":"Paris"}'],
      ['get_time', '{}'],
    ]);
    expect(choice.message.tool_calls?.[1].id).toBe('call_own');
  });

  test('answers-scripted-tool-calls-unstreamed-with-no-text', async () => {
    upstream.script(CHAT, { toolCalls: [weather] });
    const full = await openai.chat.completions.create({ model: 'm', messages });
    expect(full.choices[0].message.content).toBeNull();
    expect(full.choices[0].message.tool_calls?.[0]).toMatchObject({ type: 'function', function: weather });
    expect(full.choices[0].finish_reason).toBe('tool_calls');
  });

  test('speaks-anthropic-for-the-same-script-streamed-and-not', async () => {
    upstream.script(MESSAGES, { text: 'Let me look.', toolCalls: [weather] }, { text: 'Plain answer.' });
    const streamed = await anthropic.messages
      .stream({ model: 'claude-fake', max_tokens: 100, messages, tools: [{ name: 'get_weather', input_schema: { type: 'object' } }] })
      .finalMessage();
    expect(streamed.stop_reason).toBe('tool_use');
    expect(streamed.content).toMatchObject([
      { type: 'text', text: 'Let me look.' },
      { type: 'tool_use', name: 'get_weather', input: { city: 'Paris' } },
    ]);
    expect(streamed.content[1].type === 'tool_use' && streamed.content[1].id).toMatch(/^toolu_/);
    const whole = await anthropic.messages.create({ model: 'claude-fake', max_tokens: 100, messages });
    expect(whole.content).toMatchObject([{ type: 'text', text: 'Plain answer.' }]);
    expect(whole.stop_reason).toBe('end_turn');
  });
});

describe('scripted replies', () => {
  test('replays-a-recorded-transcript-from-the-fixtures-folder', async () => {
    upstream.script(CHAT, { sse: 'openai-text-stream.sse' });
    const stream = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    expect(text).toBe('The quick brown fox jumps over the lazy dog.');
  });

  test('sends-error-replies-with-the-real-bodies-and-retry-hints', async () => {
    upstream.script(CHAT, openaiErrorReply(429), openaiErrorReply(500, 'boom'));
    upstream.script(MESSAGES, anthropicErrorReply(529));
    const limited = await openai.chat.completions.create({ model: 'm', messages }).catch((e) => e);
    expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
    expect(limited.code).toBe('rate_limit_exceeded');
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(limited.headers.get('retry-after-ms')).toBe('1000');
    const failed = await openai.chat.completions.create({ model: 'm', messages }).catch((e) => e);
    expect(failed).toBeInstanceOf(OpenAI.InternalServerError);
    expect(failed.error).toMatchObject({ message: 'boom', type: 'server_error' });
    const overloaded = await anthropic.messages.create({ model: 'c', max_tokens: 10, messages }).catch((e) => e);
    expect(overloaded.status).toBe(529);
    expect(overloaded.error.error.type).toBe('overloaded_error');
    expect(overloaded.headers.get('retry-after-ms')).toBe('1000');
  });

  test('uses-queued-replies-once-then-the-standing-reply', async () => {
    const path = '/standing/v1/chat/completions';
    const client = new OpenAI({ baseURL: `${upstream.url}/standing/v1`, apiKey: 'x', maxRetries: 0 });
    upstream.always(path, { text: 'Standing.' });
    upstream.script(path, { text: 'First.' }, { text: 'Second.' });
    expect(upstream.pending(path)).toBe(2);
    const answers: (string | null)[] = [];
    for (let i = 0; i < 4; i++) answers.push((await client.chat.completions.create({ model: 'm', messages })).choices[0].message.content);
    expect(answers).toEqual(['First.', 'Second.', 'Standing.', 'Standing.']);
    expect(upstream.pending(path)).toBe(0);
  });

  test('chooses-a-reply-from-the-request', async () => {
    upstream.script('/v1/embeddings', (request) => ({
      status: 200,
      body: { object: 'list', model: 'e', data: [{ object: 'embedding', index: 0, embedding: [request.body.input.length, 0] }] },
    }));
    upstream.script(CHAT, (request) => ({ text: `You sent ${request.body.messages.length} messages.` }));
    const res = await openai.embeddings.create({ model: 'e', input: 'abcd', encoding_format: 'float' });
    expect(res.data[0].embedding).toEqual([4, 0]);
    const answer = await openai.chat.completions.create({ model: 'm', messages: [...messages, ...messages] });
    expect(answer.choices[0].message.content).toBe('You sent 2 messages.');
  });

  test('delays-a-reply-then-sends-it', async () => {
    // biome-ignore lint/suspicious/noThenProperty: a script step names the reply that follows its delay
    upstream.script(CHAT, { delayMs: 300, then: { text: 'Late.' } });
    const error = await openai.chat.completions.create({ model: 'm', messages }, { timeout: 100 }).catch((e) => e);
    expect(error).toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
  });

  test('routes-by-the-path-tail-so-one-server-stands-in-for-several-providers', async () => {
    const prefixed = new OpenAI({ baseURL: `${upstream.url}/local/v1`, apiKey: 'x', maxRetries: 0 });
    upstream.script('/local/v1/chat/completions', { text: 'From the local prefix.' });
    expect((await prefixed.chat.completions.create({ model: 'm', messages })).choices[0].message.content).toBe('From the local prefix.');
    expect((await prefixed.chat.completions.create({ model: 'm', messages })).choices[0].message.content).toStartWith('The quick');
    expect(upstream.hits('/local/v1/chat/completions')).toBe(2);
    expect(upstream.hits(CHAT)).toBe(0);
  });
});

describe('recording', () => {
  test('records-requests-and-forgets-them-on-reset', async () => {
    await openai.chat.completions.create({ model: 'recorded-model', messages });
    expect(upstream.requests).toHaveLength(1);
    expect(upstream.requests[0]).toMatchObject({ method: 'POST', path: CHAT, body: { model: 'recorded-model', messages } });
    expect(upstream.requests[0].headers.get('authorization')).toBe('Bearer x');
    expect(upstream.stats()).toEqual({ [`POST ${CHAT}`]: 1 });
    upstream.reset();
    expect(upstream.requests).toEqual([]);
    expect(upstream.hits(CHAT)).toBe(0);
  });

  test('notes-a-client-that-leaves-before-the-reply-ends', async () => {
    upstream.script(CHAT, { sse: 'openai-text-stream.sse', hangAfter: 2 });
    const controller = new AbortController();
    const stream = await openai.chat.completions.create({ model: 'm', messages, stream: true }, { signal: controller.signal });
    await stream[Symbol.asyncIterator]().next();
    controller.abort();
    for (let i = 0; i < 200 && upstream.disconnects.length === 0; i++) await Bun.sleep(10);
    expect(upstream.disconnects).toEqual([CHAT]);
  });
});
