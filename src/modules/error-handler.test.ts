import { describe, expect, test } from 'bun:test';
import { Elysia, t } from 'elysia';
import { errorCatalogue } from '../lib/error-catalogue';
import { AppError } from '../lib/errors';
import { errorHandler } from './error-handler';

const app = new Elysia()
  .use(errorHandler)
  .get('/crash', () => {
    throw new Error('relation "users" does not exist at pg-wire.ts:88');
  })
  .get('/upstream', () => {
    throw new AppError('upstream_unavailable', { internal: 'openai: 502 <html>Bad Gateway</html>' });
  })
  .post('/things', ({ body }) => body, { body: t.Object({ name: t.String({ minLength: 1 }) }) });

async function call(path: string, init?: RequestInit) {
  const res = await app.handle(new Request(`http://confab.test${path}`, init));
  return { status: res.status, text: await res.text() };
}

describe('REST error handler', () => {
  test('an-unexpected-error-answers-500-with-the-catalogue-sentence-and-nothing-of-its-text', async () => {
    const res = await call('/crash');
    expect(res.status).toBe(500);
    expect(JSON.parse(res.text)).toEqual({ error: { code: 'internal_error', message: errorCatalogue.internal_error.message } });
    expect(res.text).not.toContain('pg-wire');
  });

  test('an-app-error-answers-its-status-and-public-sentence-never-its-internal-detail', async () => {
    const res = await call('/upstream');
    expect(res.status).toBe(502);
    expect(JSON.parse(res.text).error).toEqual({ code: 'upstream_unavailable', message: errorCatalogue.upstream_unavailable.message });
    expect(res.text).not.toContain('Bad Gateway');
  });

  test('a-validation-error-names-the-bad-field', async () => {
    const res = await call('/things', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":""}' });
    expect(res.status).toBe(400);
    const { error } = JSON.parse(res.text);
    expect(error.code).toBe('validation_error');
    expect(error.message).toContain('name');
  });

  test('an-unknown-route-is-the-json-404', async () => {
    const res = await call('/nowhere');
    expect(res.status).toBe(404);
    expect(JSON.parse(res.text).error).toEqual({ code: 'not_found', message: 'No route for GET /nowhere' });
  });
});
