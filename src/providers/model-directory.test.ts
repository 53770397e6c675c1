import { afterAll, describe, expect, test } from 'bun:test';
import { AppError } from '../lib/errors';
import { startFakeUpstream } from '../testing/fake-upstream';
import type { ModelPolicy, ModelViewer } from './model-access';
import { createRouter } from './router';
import type { ChatRequest, StreamEvent } from './types';

const server = await startFakeUpstream({ models: ['llama3', 'qwen2.5'], record: true });
afterAll(() => server.stop());

const lab = { name: 'lab', kind: 'openai-compatible' as const, baseUrl: `${server.url}/lab/v1` };
const request = (model: string, extra: Partial<ChatRequest> = {}): ChatRequest => ({
  model,
  messages: [{ role: 'user', content: 'Hello' }],
  signal: new AbortController().signal,
  ...extra,
});
const viewer = (role: string, groups: string[] = []): ModelViewer & { reads: number } => {
  const v = {
    role,
    reads: 0,
    groups: async () => {
      v.reads++;
      return groups;
    },
  };
  return v;
};

async function finish(events: AsyncIterable<StreamEvent>) {
  let last: StreamEvent | undefined;
  for await (const e of events) if (e.type === 'finish') last = e;
  return last;
}

async function refusal(promise: Promise<unknown>): Promise<AppError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

describe('model directory', () => {
  test('a-configured-connection-is-listed-and-served-and-a-removed-one-is-unknown', async () => {
    const router = createRouter({});
    expect((await router.listModels()).map((m) => m.id)).toEqual(['offline']);
    router.configure({ connections: [lab], policies: new Map() });
    expect((await router.listModels()).map((m) => m.id)).toEqual(['lab/llama3', 'lab/qwen2.5', 'offline']);
    expect(await finish(router.stream(request('lab/llama3')))).toMatchObject({ deployment: { provider: 'lab', model: 'llama3' } });
    router.configure({ connections: [], policies: new Map() });
    expect((await refusal(router.authorize('lab/llama3'))).code).toBe('unknown_model');
  });

  test('serves-names-a-server-does-not-list-until-one-of-its-models-is-ruled', async () => {
    const router = createRouter({});
    router.configure({ connections: [lab], policies: new Map() });
    expect(await router.authorize('lab/llama3:latest', viewer('user'))).toBe('lab/llama3:latest');
    const ruled = new Map<string, ModelPolicy>([['lab/llama3', { enabled: true, access: { roles: ['admin'] } }]]);
    router.configure({ connections: [lab], policies: ruled });
    expect((await refusal(router.authorize('lab/llama3:latest', viewer('user')))).code).toBe('unknown_model');
    expect((await refusal(router.authorize('lab/llama3', viewer('user')))).code).toBe('model_forbidden');
    expect(await router.authorize('lab/qwen2.5', viewer('user'))).toBe('lab/qwen2.5');
  });

  test('reads-the-viewers-groups-only-when-a-rule-it-may-meet-names-groups', async () => {
    const router = createRouter({});
    const policies = new Map<string, ModelPolicy>([
      ['lab/llama3', { enabled: true, access: { groups: ['research'] } }],
      ['lab/qwen2.5', { enabled: true, access: { roles: ['user'], groups: ['research'] } }],
    ]);
    router.configure({ connections: [lab], policies });
    const user = viewer('user', ['research']);
    expect(await router.authorize('lab/qwen2.5', user)).toBe('lab/qwen2.5');
    expect(await router.authorize('offline', user)).toBe('offline');
    expect(user.reads).toBe(0);
    expect(await router.authorize('lab/llama3', user)).toBe('lab/llama3');
    expect(user.reads).toBe(1);
    expect((await refusal(router.authorize('lab/llama3', viewer('user', ['sales'])))).code).toBe('model_forbidden');
  });

  test('prices-a-call-at-the-admins-price-of-the-model-its-deployment-serves-else-the-list-price', () => {
    const router = createRouter({ openai: { apiKey: 'sk-test-000000', baseURL: `${server.url}/v1` } });
    const usage = { inputTokens: 1_000_000, outputTokens: 500_000 };
    const deployment = { provider: 'openai', model: 'gpt-4o-mini' };
    expect(router.costOf(deployment, usage)).toBeCloseTo(0.15 + 0.3, 9);
    router.configure({
      connections: [lab],
      policies: new Map([
        ['gpt-4o-mini', { enabled: true, price: { inputPerMTok: 2, outputPerMTok: 4 } }],
        ['lab/llama3', { enabled: true, price: { inputPerMTok: 1, outputPerMTok: 1 } }],
      ]),
    });
    expect(router.costOf(deployment, usage)).toBeCloseTo(2 + 2, 9);
    expect(router.costOf({ provider: 'lab', model: 'llama3' }, usage)).toBeCloseTo(1.5, 9);
    expect(router.costOf({ provider: 'lab', model: 'qwen2.5' }, usage)).toBe(0);
  });
});
