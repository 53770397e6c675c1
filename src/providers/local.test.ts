import { afterAll, describe, expect, test } from 'bun:test';
import { startFakeUpstream } from '../testing/fake-upstream';
import { createLocalProvider } from './local/adapter';

const server = await startFakeUpstream();
afterAll(() => server.stop());
const MODELS = '/v1/models';
const list = (...ids: string[]) => ({
  status: 200,
  body: { object: 'list', data: ids.map((id) => ({ id, object: 'model', created: 0, owned_by: 'library' })) },
});

describe('local provider discovery', () => {
  test('caches-the-model-list-and-refreshes-it-once-stale', async () => {
    let now = 0;
    const local = createLocalProvider({ baseURL: `${server.url}/v1`, timeoutMs: 2_000, discoveryTtlMs: 60_000, now: () => now });
    server.script(MODELS, list('llama3.2:3b', 'deepseek-r1:8b'), list('llama3.2:3b', 'mistral:7b'));
    expect(await local.listModels!()).toEqual(['deepseek-r1:8b', 'llama3.2:3b']);
    expect(await local.listModels!()).toEqual(['deepseek-r1:8b', 'llama3.2:3b']);
    expect(server.hits(MODELS)).toBe(1);
    now += 60_000;
    expect(await local.listModels!()).toEqual(['deepseek-r1:8b', 'llama3.2:3b']);
    for (let i = 0; i < 100 && server.hits(MODELS) < 2; i++) await Bun.sleep(5);
    await Bun.sleep(20);
    expect(await local.listModels!()).toEqual(['llama3.2:3b', 'mistral:7b']);
  });

  test('keeps-the-last-list-when-the-server-is-down', async () => {
    let now = 0;
    const local = createLocalProvider({ baseURL: `${server.url}/v1`, timeoutMs: 2_000, discoveryTtlMs: 1_000, now: () => now });
    server.script(MODELS, list('phi3'), { status: 503, body: { error: 'loading' } });
    expect(await local.listModels!()).toEqual(['phi3']);
    now += 1_000;
    await local.listModels!();
    for (let i = 0; i < 100 && server.hits(MODELS) < 4; i++) await Bun.sleep(5);
    await Bun.sleep(20);
    expect(await local.listModels!()).toEqual(['phi3']);
  });
});
