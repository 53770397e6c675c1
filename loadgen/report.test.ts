import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { delayServer, rawServer, type Scripted } from '../src/testing/scripted-servers';
import { parseOptions } from './options';
import type { Report } from './report';
import { renderHtml } from './report-html';
import { formatTable } from './report-table';
import { runLoadgen } from './run';

/** Every key path of a value, arrays collapsed to their first element; the schema's fingerprint. */
function shape(value: unknown, prefix = ''): string[] {
  if (Array.isArray(value)) return value.length === 0 ? [`${prefix}[]`] : shape(value[0], `${prefix}[]`);
  if (value === null || typeof value !== 'object') return [prefix];
  return Object.entries(value).flatMap(([k, v]) => shape(v, prefix ? `${prefix}.${k}` : k));
}

const DIST = ['count', 'min', 'mean', 'stdev', 'p50', 'p90', 'p95', 'p99', 'p999', 'max'];

let server: Scripted;
let report: Report;
beforeAll(async () => {
  server = delayServer([1]);
  report = await runLoadgen(
    parseOptions(['--mode', 'http', '--url', server.url, '--total', '50', '--slo', 'e2e=1000', '--quiet', '-H', 'X-Secret: hunter2'])!,
  );
});
afterAll(() => server.stop());

describe('JSON result', () => {
  test('keeps-a-stable-schema', () => {
    const keys = new Set(shape(report));
    expect(report.schemaVersion).toBe(1);
    for (const key of [
      'meta.tool',
      'meta.version',
      'meta.startedAt',
      'meta.finishedAt',
      'meta.host.cpus',
      'meta.host.cpuModel',
      'meta.runtime',
      'config.url',
      'config.mode',
      'config.concurrency',
      'config.rate',
      'config.arrival',
      'config.total',
      'config.slo.e2e',
      'config.headerNames[]',
      'config.auth',
      'runs[].label',
      'runs[].targetRate',
      'runs[].summary.requests',
      'runs[].summary.ok',
      'runs[].summary.errors',
      'runs[].summary.errorRate',
      'runs[].summary.durationS',
      'runs[].summary.requestRate',
      'runs[].summary.outputTokenRate',
      'runs[].summary.goodput.rate',
      'runs[].summary.goodput.fraction',
      'runs[].percentileCurve[][]',
      'runs[].timeline[].t',
      'runs[].timeline[].p99',
      'sweep',
      ...DIST.map((k) => `runs[].latency.e2e.${k}`),
      ...DIST.map((k) => `runs[].latency.serviceTime.${k}`),
      ...DIST.map((k) => `runs[].latency.scheduleLag.${k}`),
      'runs[].latency.ttft',
      'runs[].latency.itl',
      'runs[].latency.tpot',
    ]) {
      expect(keys.has(key)).toBe(true);
    }
  });

  test('survives-a-json-round-trip-unchanged', () => {
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  test('names-headers-but-never-their-values-or-the-api-key', () => {
    expect(report.config.headerNames).toEqual(['X-Secret']);
    expect(JSON.stringify(report)).not.toContain('hunter2');
    expect(report.config).not.toHaveProperty('apiKey');
  });
});

describe('human output', () => {
  test('the-table-shows-the-percentiles-throughput-and-goodput', () => {
    const table = formatTable(report);
    for (const word of ['p50', 'p95', 'p99', 'p99.9', 'req/s', 'goodput', 'latency']) expect(table).toContain(word);
  });

  test('the-html-report-is-self-contained-and-carries-both-plots', () => {
    const html = renderHtml(report);
    expect(html).toStartWith('<!doctype html>');
    expect(html).not.toMatch(/<script[^>]*\bsrc=|<link[^>]*\bhref=|<img[^>]*\bsrc=|@import|url\(/i);
    expect(html).toContain('Latency by percentile');
    expect(html).toContain('Latency over time');
    expect((html.match(/<svg/g) ?? []).length).toBeGreaterThanOrEqual(3);
  });
});

describe('rate sweep', () => {
  test('stops-at-the-first-rate-whose-error-rate-breaks-the-slo', async () => {
    let served = 0;
    const breaking = rawServer(() => (++served > 30 ? 500 : 'ok'));
    try {
      const swept = await runLoadgen(
        parseOptions(['--mode', 'http', '--url', breaking.url, '--sweep', '20,40,80', '--duration', '1', '--slo', 'e2e=1000', '--quiet'])!,
      );
      expect(swept.runs.map((r) => r.targetRate)).toEqual([20, 40]);
      expect(swept.sweep!.sustainableRate).toBe(20);
      expect(swept.sweep!.brokeAt).toBe(40);
      expect(swept.sweep!.reasons.join()).toContain('error rate');
    } finally {
      breaking.stop();
    }
  });
});
