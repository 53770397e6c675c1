import { describe, expect, test } from 'bun:test';
import { errorCatalogue } from '../lib/error-catalogue';
import { providerError } from './provider-error';

describe('provider errors', () => {
  test('retryable-follows-the-failure-scope-for-every-upstream-status', () => {
    for (let status = 400; status < 600; status++) {
      const e = providerError('openai', { kind: 'http', status, message: 'x' }, []);
      expect({ status, retryable: e.retryable }).toEqual({ status, retryable: e.scope === 'transient' });
    }
    for (const kind of ['timeout', 'connection', 'stream', 'unknown', 'abort'] as const) {
      const e = providerError('anthropic', { kind, message: 'x' }, []);
      expect({ kind, retryable: e.retryable }).toEqual({ kind, retryable: e.scope === 'transient' });
    }
  });

  test('a-refused-request-keeps-the-upstream-status-and-other-failures-answer-as-a-gateway', () => {
    expect(providerError('openai', { kind: 'http', status: 413, message: 'x' }, [])).toMatchObject({
      code: 'upstream_rejected',
      status: 413,
    });
    expect(providerError('openai', { kind: 'http', status: 429, message: 'x' }, [])).toMatchObject({
      code: 'upstream_rate_limited',
      status: 502,
    });
    expect(providerError('openai', { kind: 'http', status: 401, message: 'x' }, [])).toMatchObject({
      code: 'upstream_auth_failed',
      status: 502,
    });
    expect(providerError('openai', { kind: 'timeout', message: 'x' }, [])).toMatchObject({ code: 'upstream_timeout', status: 504 });
  });

  test('a-client-reads-the-catalogue-sentence-and-the-log-reads-the-redacted-upstream-text', () => {
    const e = providerError(
      'openai',
      { kind: 'http', status: 503, message: 'upstream connect error: reset (key sk-live-abcdef123456)' },
      [],
    );
    expect(e.publicMessage).toBe(errorCatalogue.upstream_unavailable.message);
    expect(e.message).toContain('upstream connect error');
    expect(e.message).not.toContain('sk-live-abcdef123456');
  });
});
