import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { type FakeConfab, startFakeConfab } from '../src/testing/fake-confab';
import { parseOptions } from './options';
import { runLoadgen } from './run';

let server: FakeConfab;
beforeAll(() => {
  server = startFakeConfab({ ttftMs: 150, itlMs: 50, tokens: 5, usageTokens: 7 });
});
afterAll(() => server.stop());

const run = (mode: string, extra: string[] = []) =>
  runLoadgen(parseOptions(['--mode', mode, '--url', server.url, '--concurrency', '4', '--total', '12', '--quiet', ...extra])!);

describe('streamed modes measure TTFT and inter-token latency', () => {
  for (const mode of ['sse', 'ws']) {
    test(`${mode}-ttft-itl-and-tpot-follow-the-scripted-stream`, async () => {
      const report = await run(mode, ['--api-key', 'k']);
      const r = report.runs[0];
      expect(r.summary.ok).toBe(12);
      // Scripted delays are floors; a loaded machine only adds to them, so upper bounds are
      // stated as relations between the measures rather than as times.
      expect(r.latency.ttft!.p50).toBeGreaterThanOrEqual(150);
      expect(r.latency.e2e!.p50).toBeGreaterThanOrEqual(350);
      // Four 50 ms gaps follow the first token: TTFT is not the whole request.
      expect(r.latency.ttft!.p50).toBeLessThanOrEqual(r.latency.e2e!.p50 - 200);
      expect(r.latency.itl!.count).toBe(12 * 4);
      expect(r.latency.itl!.p50).toBeGreaterThanOrEqual(49);
      // Four gaps spread over 7 reported tokens (6 intervals): TPOT is 4/6 of the typical gap.
      expect(r.latency.tpot!.p50).toBeGreaterThanOrEqual(30);
      expect(r.latency.tpot!.p50).toBeLessThan(r.latency.itl!.p50);
      expect(r.summary.outputTokens).toBe(12 * 7);
    });
  }

  test('chat-mode-reports-end-to-end-latency-and-usage-tokens-without-a-ttft', async () => {
    const r = (await run('chat', ['--api-key', 'k'])).runs[0];
    expect(r.summary.ok).toBe(12);
    expect(r.latency.ttft).toBeNull();
    expect(r.latency.e2e!.p50).toBeGreaterThanOrEqual(350);
    expect(r.summary.outputTokens).toBe(12 * 7);
  });

  test('goodput-counts-only-requests-within-every-slo', async () => {
    const met = (await run('sse', ['--api-key', 'k', '--slo', 'ttft=1000,e2e=5s'])).runs[0];
    const missed = (await run('sse', ['--api-key', 'k', '--slo', 'ttft=100'])).runs[0];
    expect(met.summary.goodput!.fraction).toBe(1);
    expect(missed.summary.goodput!.fraction).toBe(0);
  });
});

describe('authentication', () => {
  test('sends-the-given-key-as-a-bearer-token', async () => {
    server.authorizations.length = 0;
    await run('chat', ['--api-key', 'given-key']);
    expect(new Set(server.authorizations)).toEqual(new Set(['Bearer given-key']));
  });

  test('signs-up-a-load-user-and-uses-the-minted-key-when-no-key-is-given', async () => {
    server.authorizations.length = 0;
    const report = await run('ws');
    expect(report.config.auth).toBe('signup');
    expect(new Set(server.authorizations)).toEqual(new Set(['Bearer cf_test_key']));
    expect(JSON.stringify(report)).not.toContain('cf_test_key');
  });
});
