import { describe, expect, test } from 'bun:test';
import { errorCatalogue } from '../../lib/error-catalogue';
import { AppError } from '../../lib/errors';
import { openaiErrorResponse } from './errors';

async function answer(err: unknown) {
  const res = openaiErrorResponse(err);
  return { status: res.status, headers: res.headers, body: (await res.json()) as { error: Record<string, unknown> } };
}

describe('/v1 errors', () => {
  test('a-rate-limit-is-openais-429-with-the-catalogue-sentence', async () => {
    const res = await answer(new AppError('rate_limited', { headers: { 'Retry-After': '3' } }));
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('3');
    expect(res.body.error).toEqual({
      message: errorCatalogue.rate_limited.message,
      type: 'rate_limit_error',
      param: null,
      code: 'rate_limit_exceeded',
    });
  });

  test('a-cancelled-request-answers-400-as-openai-clients-expect', async () => {
    expect((await answer(new AppError('cancelled'))).status).toBe(400);
  });

  test('an-unexpected-error-is-a-server-error-that-says-nothing-of-its-text', async () => {
    const res = await answer(new TypeError("Cannot read properties of undefined (reading 'choices')"));
    expect(res.status).toBe(500);
    expect(res.body.error).toEqual({
      message: errorCatalogue.internal_error.message,
      type: 'server_error',
      param: null,
      code: 'internal_error',
    });
  });

  test('an-upstream-failure-shows-its-sentence-not-the-upstream-body', async () => {
    const res = await answer(new AppError('upstream_unavailable', { internal: 'anthropic: overloaded_error {"type":"error"}' }));
    expect(res.status).toBe(502);
    expect(res.body.error.message).toBe(errorCatalogue.upstream_unavailable.message);
    expect(res.body.error.type).toBe('server_error');
  });
});
