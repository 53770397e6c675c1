import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createHarness, type Harness } from '../../testing/app-harness';
import { testDatabases } from '../../testing/databases';

const [backend] = testDatabases();

describe('web module', () => {
  let h: Harness;
  // A fresh PGlite cluster takes seconds to create on a busy machine.
  beforeAll(async () => {
    h = createHarness(await backend.open());
  }, 60_000);
  afterAll(() => backend.cleanup(), 60_000);

  test('serves-the-shell-on-ui-routes-with-a-strict-policy', async () => {
    for (const path of ['/', '/c/0b1d6a7e-0000-4000-8000-000000000000', '/benchmark', '/settings']) {
      const res = await h.request('GET', path);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/html');
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain('unsafe-inline');
      expect(await res.text()).toContain('<html');
    }
  });

  test('unknown-api-paths-still-answer-the-json-404', async () => {
    for (const path of ['/api/nope', '/api/conversations/x/y/z', '/v1/nope', '/nope.js']) {
      const res = await h.json('GET', path);
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    }
  });

  test('serves-browser-libraries-from-node-modules-as-es-modules', async () => {
    for (const path of [
      '/vendor/marked.js',
      '/vendor/purify.js',
      '/vendor/highlight/core.js',
      '/vendor/highlight/languages/typescript.js',
    ]) {
      const res = await h.request('GET', path);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('javascript');
      expect(await res.text()).toMatch(/export\s*\{|export default/);
    }
    expect((await h.request('GET', '/vendor/highlight/languages/..%2F..%2Fpackage.js')).status).toBe(404);
    expect((await h.request('GET', '/vendor/highlight/languages/not-a-language.js')).status).toBe(404);
  });

  test('serves-client-files-but-not-the-test-sources', async () => {
    const css = await h.request('GET', '/css/base.css');
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toContain('text/css');
    expect((await h.request('GET', '/js/main.js')).status).toBe(200);
    expect((await h.request('GET', '/e2e/chat.test.ts')).status).toBe(404);
    expect((await h.request('GET', '/index.html')).status).toBe(404);
  });
});
