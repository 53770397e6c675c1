import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createHarness, type Harness } from '../../testing/app-harness';
import { testDatabases } from '../../testing/databases';

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
