import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { ErrorBody } from '../../lib/errors';
import { createHarness, type Harness } from '../../testing/app-harness';
import { testDatabases } from '../../testing/databases';
import { type PlantedUser, plantUser } from '../../testing/planted-users';

const [backend] = testDatabases();

describe('openapi document', () => {
  let h: Harness;
  beforeAll(async () => {
    h = createHarness(await backend.open());
  });
  afterAll(() => backend.cleanup());

  test('documents-every-http-route-with-a-summary-tag-and-schemas', async () => {
    const { status, body: spec } = await h.json('GET', '/swagger/json');
    expect(status).toBe(200);
    expect(spec.openapi).toMatch(/^3\./);
    const documented = new Set<string>();
    for (const [path, ops] of Object.entries<any>(spec.paths)) {
      for (const [method, op] of Object.entries<any>(ops)) {
        documented.add(`${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`);
        expect(op.summary, `${method} ${path} summary`).toBeString();
        expect(op.tags?.length, `${method} ${path} tags`).toBeGreaterThan(0);
        expect(Object.keys(op.responses ?? {}).length, `${method} ${path} responses`).toBeGreaterThan(0);
      }
    }
    const routes = h.app.routes
      .filter((r) => ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'].includes(r.method))
      .filter((r) => r.path.startsWith('/api') || r.path.startsWith('/v1') || ['/health', '/ready'].includes(r.path))
      .map((r) => `${r.method} ${r.path}`);
    expect(routes.length).toBeGreaterThan(20);
    for (const route of routes) expect(documented.has(route), route).toBe(true);
  });

  test('swagger-ui-page-and-assets-are-served-locally', async () => {
    const page = await (await h.request('GET', '/swagger')).text();
    expect(page).not.toMatch(/https?:\/\//);
    const assets = [...page.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(assets).toEqual(
      expect.arrayContaining(['/swagger/assets/swagger-ui.css', '/swagger/assets/swagger-ui-bundle.js', '/swagger/assets/swagger-init.js']),
    );
    for (const src of assets) {
      const res = await h.request('GET', src);
      expect(res.status, src).toBe(200);
      expect((await res.arrayBuffer()).byteLength, src).toBeGreaterThan(0);
    }
    const bundle = await (await h.request('GET', '/swagger/assets/swagger-ui-bundle.js')).text();
    expect(bundle).toContain('SwaggerUIBundle');
    const init = await (await h.request('GET', '/swagger/assets/swagger-init.js')).text();
    expect(init).toContain("url: '/swagger/json'");
  });
});

describe('the api contract', () => {
  let h: Harness;
  let other: PlantedUser;

  beforeAll(async () => {
    h = createHarness(await backend.open());
    other = await plantUser(h, 'b');
  });
  afterAll(async () => {
    await h.close();
    await backend.cleanup();
  });

  test('unknown-field-on-chat-answers-400-and-runs-no-turn', async () => {
    const before = (await h.json('GET', '/api/conversations', { cookie: other.cookie })).body.items.length;
    const res = await h.json('POST', '/api/chat', { cookie: other.cookie, body: { message: 'hello there', temprature: 0.2 } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_error');
    expect(res.body.error.message).toContain('temprature');
    expect((await h.json('GET', '/api/conversations', { cookie: other.cookie })).body.items.length).toBe(before);
  });

  test('non-object-body-on-create-conversation-answers-400-and-creates-nothing', async () => {
    const before = (await h.json('GET', '/api/conversations', { cookie: other.cookie })).body.items.length;
    for (const raw of ['42', '"a title"', '[{"title":"x"}]', 'null']) {
      const res = await h.request('POST', '/api/conversations', {
        cookie: other.cookie,
        raw,
        headers: { 'content-type': 'application/json' },
      });
      expect(res.status, raw).toBe(400);
      expect(((await res.json()) as ErrorBody).error.code, raw).toBe('validation_error');
    }
    const text = await h.request('POST', '/api/conversations', {
      cookie: other.cookie,
      raw: 'a title',
      headers: { 'content-type': 'text/plain' },
    });
    expect([400, 415]).toContain(text.status);
    expect((await h.json('GET', '/api/conversations', { cookie: other.cookie })).body.items.length).toBe(before);
  });
});
