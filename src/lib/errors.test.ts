import { describe, expect, test } from 'bun:test';
import { errorCatalogue } from './error-catalogue';
import { AppError, errorBody, notFound, toAppError } from './errors';

describe('AppError', () => {
  test('takes-status-retryable-and-sentence-from-the-catalogue', () => {
    const e = new AppError('rate_limited');
    expect(e).toMatchObject({ code: 'rate_limited', status: 429, retryable: true, publicMessage: errorCatalogue.rate_limited.message });
    expect(e.message).toBe(errorCatalogue.rate_limited.message);
  });

  test('a-call-site-may-give-a-more-specific-sentence-or-status', () => {
    expect(notFound('Conversation')).toMatchObject({ status: 404, publicMessage: 'Conversation not found' });
    expect(new AppError('upstream_rejected', { status: 413 })).toMatchObject({ status: 413, retryable: false });
    expect(new AppError('conflict', { retryable: true }).retryable).toBe(true);
  });

  test('internal-detail-is-the-message-for-the-log-and-never-the-public-sentence', () => {
    const e = new AppError('job_failed', { internal: 'TypeError: x is undefined at handler.ts:12' });
    expect(e.message).toBe('TypeError: x is undefined at handler.ts:12');
    expect(e.publicMessage).toBe(errorCatalogue.job_failed.message);
    expect(JSON.stringify(errorBody(e.code, e.publicMessage))).not.toContain('handler.ts');
  });
});

describe('toAppError', () => {
  test('passes-an-app-error-through-unchanged', () => {
    const e = new AppError('email_taken');
    expect(toAppError(e, 'generation_failed')).toBe(e);
  });

  test('turns-anything-else-into-the-fallback-code-keeping-its-text-out-of-the-public-sentence', () => {
    const cause = new Error('connect ECONNREFUSED 10.0.0.5:5432 password=hunter2');
    const e = toAppError(cause, 'generation_failed', { test: true });
    expect(e).toMatchObject({ code: 'generation_failed', status: 502, publicMessage: errorCatalogue.generation_failed.message });
    expect(e.cause).toBe(cause);
    expect(e.message).toContain('ECONNREFUSED');
    expect(e.publicMessage).not.toContain('ECONNREFUSED');
    expect(toAppError('a thrown string').code).toBe('internal_error');
  });
});
