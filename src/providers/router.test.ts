import { afterAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppError } from '../lib/errors';
import { registry } from '../lib/metrics';
import { anthropicErrorReply, openaiErrorReply, startFakeUpstream } from '../testing/fake-upstream';
import { CONTINUE_INSTRUCTION } from './continuation';
import { createRouter, type RouterOptions } from './router';
import type { ChatRequest, ProvidersConfig, StreamEvent } from './types';

const server = await startFakeUpstream({ record: true, fixtures: join(import.meta.dir, '__fixtures__') });
afterAll(() => server.stop());
const OPENAI = '/openai/v1/chat/completions';
const ANTHROPIC = '/anthropic/v1/messages';
const LOCAL = '/local/v1/chat/completions';
const LOCAL_MODELS = '/local/v1/models';
const FOX = 'The quick brown fox jumps over the lazy dog.';
const HELLO = 'Hello! How can I help you today?';

const both: ProvidersConfig = {
  openai: { apiKey: 'sk-test-openai-key-000', baseURL: `${server.url}/openai/v1` },
  anthropic: { apiKey: 'sk-ant-test-key-000', baseURL: `${server.url}/anthropic` },
};

/** A router on a fake clock whose sleeps return at once and are remembered. */
function routerFor(cfg: ProvidersConfig, tuning: RouterOptions['tuning'] = {}) {
  const clock = { now: 1_000_000, sleeps: [] as number[] };
  const router = createRouter(cfg, {
    now: () => clock.now,
    random: () => 0.5,
    sleep: async (ms) => {
      clock.sleeps.push(ms);
      clock.now += ms;
    },
    tuning,
  });
  return { router, clock };
}

function chat(extra: Partial<ChatRequest> = {}): ChatRequest {
  return {
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'Tell me something.' }],
    signal: new AbortController().signal,
    ...extra,
  };
}

async function run(events: AsyncIterable<StreamEvent>) {
  const all: StreamEvent[] = [];
  for await (const e of events) all.push(e);
  const text = all.flatMap((e) => (e.type === 'text' ? [e.delta] : [])).join('');
  const finish = all.find((e) => e.type === 'finish');
  const usage = all.find((e) => e.type === 'usage');
  const fallbacks = all.filter((e) => e.type === 'fallback');
  return { all, text, finish, usage, fallbacks };
}

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
  throw new Error('expected a rejection');
}

/** The process-wide fallback counter for one deployment; other tests move it too, so tests compare deltas. */
async function fallbacksCounted(from: string): Promise<number> {
  const metric = await registry.getSingleMetric('confab_llm_fallbacks_total')!.get();
  return metric.values.find((v) => v.labels.from === from && v.labels.midstream === 'false')?.value ?? 0;
}

function reset() {
  server.reset();
}

describe('router', () => {
  test('retries-a-429-then-succeeds-on-the-same-deployment', async () => {
    reset();
    const { router, clock } = routerFor(both);
    server.script(OPENAI, openaiErrorReply(429, 'Rate limit reached'), { sse: 'openai-text-stream.sse' });
    const r = await run(router.stream(chat()));
    expect(r.text).toBe(FOX);
    expect(r.fallbacks).toEqual([]);
    expect(r.finish).toEqual({ type: 'finish', reason: 'stop', deployment: { provider: 'openai', model: 'gpt-4o-mini' } });
    expect(r.usage).toEqual({ type: 'usage', inputTokens: 19, outputTokens: 10, estimated: false });
    expect(clock.sleeps).toHaveLength(1);
    expect(server.hits(OPENAI)).toBe(2);
  });

  test('honours-retry-after-seconds-and-retry-after-ms', async () => {
    const { router, clock } = routerFor(both);
    server.script(
      OPENAI,
      { ...openaiErrorReply(429, 'slow down'), headers: { 'retry-after': '2' } },
      { ...openaiErrorReply(503, 'busy'), headers: { 'retry-after-ms': '750' } },
      { sse: 'openai-text-stream.sse' },
    );
    expect((await run(router.stream(chat()))).text).toBe(FOX);
    expect(clock.sleeps).toEqual([2000, 750]);
  });

  test('falls-back-at-once-when-retry-after-exceeds-the-budget', async () => {
    reset();
    const { router, clock } = routerFor(both, { budgetMs: 10_000 });
    server.script(OPENAI, { ...openaiErrorReply(429, 'quota'), headers: { 'retry-after': '3600' } });
    server.script(ANTHROPIC, { sse: 'anthropic-text-stream.sse' });
    const r = await run(router.stream(chat()));
    expect(r.text).toBe(HELLO);
    expect(clock.sleeps).toEqual([]);
    expect(server.hits(OPENAI)).toBe(1);
  });

  test('falls-back-to-the-next-provider-after-repeated-500s', async () => {
    reset();
    const before = await fallbacksCounted('openai/gpt-4o-mini');
    const { router, clock } = routerFor(both);
    server.script(OPENAI, openaiErrorReply(500, 'boom'), openaiErrorReply(502, 'bad gateway'), openaiErrorReply(500, 'boom'));
    server.script(ANTHROPIC, { sse: 'anthropic-text-stream.sse' });
    const seen: string[] = [];
    const r = await run(router.stream(chat(), { onFallback: (from, to) => seen.push(`${from}->${to}`) }));
    expect(r.text).toBe(HELLO);
    expect(r.fallbacks).toEqual([
      { type: 'fallback', from: 'openai/gpt-4o-mini', to: 'anthropic/claude-haiku-4-5', midstream: false, reason: 'failed' },
    ]);
    expect(seen).toEqual(['openai/gpt-4o-mini->anthropic/claude-haiku-4-5']);
    expect(r.finish).toMatchObject({ deployment: { provider: 'anthropic', model: 'claude-haiku-4-5' } });
    expect(server.hits(OPENAI)).toBe(3);
    expect(clock.sleeps).toHaveLength(2);
    expect((await fallbacksCounted('openai/gpt-4o-mini')) - before).toBe(1);
  });

  test('answers-with-the-offline-model-when-every-provider-fails', async () => {
    const { router } = routerFor(both, { maxAttempts: 1 });
    server.script(OPENAI, openaiErrorReply(503, 'down'));
    server.script(ANTHROPIC, anthropicErrorReply(529, 'Overloaded'));
    const r = await run(router.stream(chat()));
    expect(r.text).toContain("Confab's offline model");
    expect(r.fallbacks.map((f) => (f.type === 'fallback' ? f.to : ''))).toEqual(['anthropic/claude-haiku-4-5', 'offline']);
    expect(r.finish).toMatchObject({ reason: 'stop', deployment: { provider: 'offline', model: 'offline' } });
  });

  test('retries-a-timed-out-request', async () => {
    reset();
    const { router, clock } = routerFor(both, { timeoutMs: 150 });
    // biome-ignore lint/suspicious/noThenProperty: a script step names the reply that follows its delay
    server.script(OPENAI, { delayMs: 1_000, then: { sse: 'openai-text-stream.sse' } }, { sse: 'openai-text-stream.sse' });
    const r = await run(router.stream(chat()));
    expect(r.text).toBe(FOX);
    expect(clock.sleeps).toHaveLength(1);
    expect(server.hits(OPENAI)).toBe(2);
  });

  test('treats-a-stalled-stream-as-a-timeout-and-moves-on', async () => {
    const { router } = routerFor(both, { idleTimeoutMs: 150, maxAttempts: 1 });
    server.script(OPENAI, { sse: 'openai-text-stream.sse', hangAfter: 1 });
    server.script(ANTHROPIC, { sse: 'anthropic-text-stream.sse' });
    const r = await run(router.stream(chat()));
    expect(r.text).toBe(HELLO);
    expect(r.fallbacks).toHaveLength(1);
  });

  test('surfaces-a-400-without-retry-or-fallback', async () => {
    reset();
    const { router, clock } = routerFor(both);
    server.script(OPENAI, openaiErrorReply(400, 'Invalid value for temperature'));
    const err = await rejection(run(router.stream(chat())));
    expect(err.status).toBe(400);
    expect(err.retryable).toBe(false);
    expect(server.hits(ANTHROPIC)).toBe(0);
    expect(clock.sleeps).toEqual([]);
  });

  test('routes-around-a-provider-with-a-rejected-key-and-stops-asking-it', async () => {
    reset();
    const { router } = routerFor(both);
    server.script(OPENAI, openaiErrorReply(401, 'Incorrect API key provided: sk-test-openai-key-000'));
    server.script(ANTHROPIC, { sse: 'anthropic-text-stream.sse' }, { sse: 'anthropic-text-stream.sse' });
    expect((await run(router.stream(chat()))).text).toBe(HELLO);
    const second = await run(router.stream(chat()));
    expect(second.text).toBe(HELLO);
    // Not asked again, and the answer says which deployment stood in and why.
    expect(second.fallbacks).toEqual([
      { type: 'fallback', from: 'openai/gpt-4o-mini', to: 'anthropic/claude-haiku-4-5', midstream: false, reason: 'cooldown' },
    ]);
    expect(server.hits(OPENAI)).toBe(1);
  });

  test('continues-mid-stream-on-the-next-deployment-without-losing-or-repeating-text', async () => {
    reset();
    const { router } = routerFor(both);
    server.script(OPENAI, { sse: 'openai-text-stream.sse', cutAfter: 5 });
    server.script(ANTHROPIC, { sse: 'anthropic-text-stream.sse' });
    const r = await run(router.stream(chat()));
    expect(r.text).toBe(`The quick brown fox${HELLO}`);
    const kinds = r.all.map((e) => e.type);
    expect(kinds.indexOf('fallback')).toBe(4);
    expect(r.fallbacks).toEqual([
      { type: 'fallback', from: 'openai/gpt-4o-mini', to: 'anthropic/claude-haiku-4-5', midstream: true, reason: 'failed' },
    ]);
    const sent = server.requests.find((q) => q.path === ANTHROPIC)!.body.messages;
    expect(sent.at(-2)).toEqual({ role: 'assistant', content: [{ type: 'text', text: 'The quick brown fox' }] });
    expect(sent.at(-1)).toEqual({ role: 'user', content: [{ type: 'text', text: CONTINUE_INSTRUCTION }] });
    expect(r.usage).toMatchObject({ type: 'usage', estimated: true });
    if (r.usage?.type !== 'usage') throw new Error('no usage');
    expect(r.usage.outputTokens).toBeGreaterThan(12);
    expect(r.usage.inputTokens).toBeGreaterThan(25);
  });

  test('cools-a-failing-deployment-down-then-probes-it-half-open-and-recovers', async () => {
    reset();
    const { router, clock } = routerFor(both, { maxAttempts: 1, failureThreshold: 2, cooldownMs: 10_000 });
    server.always(ANTHROPIC, { sse: 'anthropic-text-stream.sse' });
    server.script(OPENAI, openaiErrorReply(500, 'boom'), openaiErrorReply(500, 'boom'), openaiErrorReply(500, 'still down'));
    await run(router.stream(chat()));
    await run(router.stream(chat()));
    expect(server.hits(OPENAI)).toBe(2);
    const cooled = await run(router.stream(chat()));
    expect(cooled.finish).toMatchObject({ deployment: { provider: 'anthropic', model: 'claude-haiku-4-5' } });
    expect(server.hits(OPENAI)).toBe(2);
    // Skipping the cooling deployment is said, not hidden behind the requested model's name.
    expect(cooled.fallbacks).toEqual([
      { type: 'fallback', from: 'openai/gpt-4o-mini', to: 'anthropic/claude-haiku-4-5', midstream: false, reason: 'cooldown' },
    ]);
    clock.now += 10_001;
    const failedProbe = await run(router.stream(chat()));
    expect(failedProbe.finish).toMatchObject({ deployment: { provider: 'anthropic', model: 'claude-haiku-4-5' } });
    expect(server.hits(OPENAI)).toBe(3);
    await run(router.stream(chat()));
    expect(server.hits(OPENAI)).toBe(3);
    clock.now += 10_001;
    server.script(OPENAI, { sse: 'openai-text-stream.sse' }, { sse: 'openai-text-stream.sse' });
    expect((await run(router.stream(chat()))).finish).toMatchObject({ deployment: { provider: 'openai', model: 'gpt-4o-mini' } });
    expect((await run(router.stream(chat()))).finish).toMatchObject({ deployment: { provider: 'openai', model: 'gpt-4o-mini' } });
    expect(server.hits(OPENAI)).toBe(5);
    const gauge = await registry.getSingleMetric('confab_llm_deployment_cooldown')!.get();
    expect(gauge.values.find((v) => v.labels.provider === 'openai' && v.labels.model === 'gpt-4o-mini')?.value).toBe(0);
    server.always(ANTHROPIC, anthropicErrorReply(500, 'unset'));
  });

  test('cancelling-aborts-the-upstream-request-and-reports-what-was-produced', async () => {
    reset();
    const { router } = routerFor(both);
    server.script(OPENAI, { sse: 'openai-text-stream.sse', hangAfter: 4 });
    const controller = new AbortController();
    const events: StreamEvent[] = [];
    for await (const e of router.stream(chat({ signal: controller.signal }))) {
      events.push(e);
      if (e.type === 'text' && e.delta === ' brown') controller.abort();
    }
    expect(events.at(-1)).toEqual({ type: 'finish', reason: 'cancelled', deployment: { provider: 'openai', model: 'gpt-4o-mini' } });
    const usage = events.find((e) => e.type === 'usage');
    expect(usage).toMatchObject({ estimated: true });
    if (usage?.type === 'usage') expect(usage.outputTokens).toBeGreaterThan(0);
    for (let i = 0; i < 200 && server.disconnects.length === 0; i++) await Bun.sleep(10);
    expect(server.disconnects).toContain(OPENAI);
    expect(server.hits(ANTHROPIC)).toBe(0);
  });

  test('passes-tool-call-deltas-through', async () => {
    const { router } = routerFor(both);
    server.script(OPENAI, { sse: 'openai-tool-calls-stream.sse' });
    const r = await run(router.stream(chat({ tools: [{ name: 'get_weather', parameters: { type: 'object' } }] })));
    expect(r.all.filter((e) => e.type === 'tool-call')).toHaveLength(7);
    expect(r.finish).toMatchObject({ reason: 'tool_calls' });
    expect(r.usage).toMatchObject({ inputTokens: 81, outputTokens: 37 });
  });

  test('generate-falls-back-and-names-the-model-that-answered', async () => {
    const { router } = routerFor(both, { maxAttempts: 1 });
    server.script(OPENAI, openaiErrorReply(503, 'down'));
    server.script(ANTHROPIC, {
      status: 200,
      body: {
        id: 'msg_2',
        type: 'message',
        role: 'assistant',
        model: 'claude-haiku-4-5',
        content: [{ type: 'text', text: 'Fine.' }],
        stop_reason: 'end_turn',
        stop_sequence: null,
        usage: { input_tokens: 11, output_tokens: 2 },
      },
    });
    const result = await router.generate(chat());
    expect(result).toMatchObject({ text: 'Fine.', deployment: { provider: 'anthropic', model: 'claude-haiku-4-5' }, finishReason: 'stop' });
    expect(result.usage).toEqual({ inputTokens: 11, outputTokens: 2, estimated: false });
  });

  test('rejects-an-unknown-model', async () => {
    const { router } = routerFor(both);
    const err = await rejection(run(router.stream(chat({ model: 'gpt-17' }))));
    expect(err.code).toBe('unknown_model');
    expect(() => router.contextWindow('gpt-17')).toThrow();
    expect(router.contextWindow('claude-sonnet-4-5')).toBe(200_000);
  });
});

describe('router with a local server', () => {
  const local: ProvidersConfig = { local: { baseURL: `${server.url}/local/v1` } };
  const modelList = {
    status: 200,
    body: { object: 'list', data: [{ id: 'qwen2.5:7b', object: 'model', created: 0, owned_by: 'library' }] },
  };

  test('discovers-local-models-and-makes-the-first-the-default', async () => {
    reset();
    const { router } = routerFor(local);
    server.script(LOCAL_MODELS, modelList);
    const models = await router.listModels();
    expect(models.map((m) => m.id)).toEqual(['local/qwen2.5:7b', 'offline']);
    expect(models[0]).toMatchObject({ provider: 'local', capabilities: { streaming: true, tools: false } });
    expect(await router.defaultModel()).toBe('local/qwen2.5:7b');
    expect(server.hits(LOCAL_MODELS)).toBe(1);
  });

  test('estimates-usage-when-the-server-reports-none', async () => {
    reset();
    const { router } = routerFor(local);
    server.script(LOCAL, { sse: 'local-no-usage-stream.sse' });
    const r = await run(router.stream(chat({ model: 'local/qwen2.5:7b', maxTokens: 64 })));
    expect(r.text).toBe('Local models run here.');
    expect(server.requests.at(-1)!.body).toMatchObject({ model: 'qwen2.5:7b', max_tokens: 64 });
    expect(r.usage).toMatchObject({ estimated: true });
    if (r.usage?.type !== 'usage') throw new Error('no usage');
    expect(r.usage.inputTokens).toBeGreaterThan(0);
    expect(r.usage.outputTokens).toBeGreaterThan(0);
  });
});

describe('router configuration', () => {
  const dir = mkdtempSync(join(tmpdir(), 'confab-router-'));

  test('a-config-file-adds-groups-with-their-own-order-and-default', async () => {
    reset();
    const file = join(dir, 'models.json');
    writeFileSync(
      file,
      JSON.stringify({
        defaultModel: 'team',
        groups: {
          team: {
            deployments: [
              { provider: 'anthropic', model: 'claude-haiku-4-5' },
              { provider: 'openai', model: 'gpt-4o-mini' },
            ],
            contextWindow: 100_000,
          },
        },
        router: { maxAttempts: 1 },
      }),
    );
    const { router } = routerFor({ ...both, configFile: file });
    expect(await router.defaultModel()).toBe('team');
    expect(router.contextWindow('team')).toBe(100_000);
    expect((await router.listModels()).some((m) => m.id === 'team')).toBe(true);
    server.script(ANTHROPIC, anthropicErrorReply(500, 'boom'));
    server.script(OPENAI, { sse: 'openai-text-stream.sse' });
    const r = await run(router.stream(chat({ model: 'default' })));
    expect(r.finish).toMatchObject({ deployment: { provider: 'openai', model: 'gpt-4o-mini' } });
    expect(server.hits(ANTHROPIC)).toBe(1);
  });

  test('a-config-file-naming-an-unconfigured-provider-is-refused-with-the-reason', () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ groups: { mine: { deployments: [{ provider: 'local', model: 'llama3' }] } } }));
    expect(() => createRouter({ ...both, configFile: file })).toThrow(/group "mine" uses provider "local"/);
    writeFileSync(file, JSON.stringify({ groups: { mine: { deployments: [] } } }));
    expect(() => createRouter({ ...both, configFile: file })).toThrow(/deployments/);
  });

  test('with-no-provider-the-offline-model-answers-from-passages', async () => {
    const { router } = routerFor({});
    expect(await router.defaultModel()).toBe('offline');
    const passages = [{ n: 1, text: 'The warranty lasts two years from the date of purchase. Returns are free.' }];
    const r = await run(
      router.stream(chat({ model: 'default', messages: [{ role: 'user', content: 'How long does the warranty last?' }], passages })),
    );
    expect(r.text).toBe('The warranty lasts two years from the date of purchase [1].');
    expect(r.finish).toMatchObject({ deployment: { provider: 'offline', model: 'offline' } });
  });
});
