import { describe, expect, test } from 'bun:test';
import { parseOptions, parseSweep } from './options';
import { parseSlo } from './slo';

describe('command line', () => {
  test('keeps-the-original-interface-url-concurrency-and-total', () => {
    const o = parseOptions(['--url', 'http://localhost:8000', '--concurrency', '20', '--total', '200'])!;
    expect(o).toMatchObject({ url: 'http://localhost:8000', concurrency: 20, total: 200, rate: null, mode: 'chat' });
  });

  test('an-open-loop-defaults-to-a-wide-in-flight-cap-and-no-total-when-a-duration-is-given', () => {
    const o = parseOptions(['--rate', '50', '--duration', '30s', '--arrival', 'poisson'])!;
    expect(o).toMatchObject({ rate: 50, concurrency: 1000, durationS: 30, total: null, arrival: 'poisson' });
  });

  test('reads-the-api-key-from-the-environment-when-not-given', () => {
    expect(parseOptions([], { LOADGEN_API_KEY: 'env-key' })!.apiKey).toBe('env-key');
  });

  test('rejects-an-unknown-mode-and-a-sweep-without-an-slo', () => {
    expect(() => parseOptions(['--mode', 'grpc'])).toThrow('--mode must be one of');
    expect(() => parseOptions(['--sweep', '1,2'])).toThrow('--sweep needs --slo');
  });

  test('parses-slos-and-sweeps', () => {
    expect(parseSlo('ttft=500, e2e=2s,tpot=40ms')).toEqual({ ttft: 500, e2e: 2000, tpot: 40 });
    expect(() => parseSlo('latency=1')).toThrow('unknown SLO metric');
    expect(parseSweep('10:40:10')).toEqual([10, 20, 30, 40]);
    expect(parseSweep('5, 8')).toEqual([5, 8]);
  });
});
