import { afterEach, describe, expect, test } from 'bun:test';
import { delayServer, pausingServer, type Scripted } from '../src/testing/scripted-servers';
import { createHistogram, distribution, recordMs } from './histogram';
import { parseOptions } from './options';
import { runLoadgen } from './run';

const servers: Scripted[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.stop();
});

const run = (args: string[]) => runLoadgen(parseOptions([...args, '--quiet'])!);

describe('percentiles', () => {
  test('match-a-known-distribution-recorded-directly', () => {
    const h = createHistogram();
    for (let ms = 1; ms <= 1000; ms++) recordMs(h, ms);
    const d = distribution(h)!;
    expect(d.count).toBe(1000);
    expect(d.p50).toBeCloseTo(500, -1);
    expect(d.p90).toBeCloseTo(900, -1);
    expect(d.p99).toBeCloseTo(990, -1);
    expect(d.p999).toBeCloseTo(999, -1);
    expect(d.max).toBeCloseTo(1000, -1);
  });

  test('follow-a-server-whose-delays-are-spread-evenly-from-10-to-100-ms', async () => {
    const delays = Array.from({ length: 10 }, (_, i) => 10 + i * 10);
    const server = delayServer(delays);
    servers.push(server);
    const report = await run(['--mode', 'http', '--url', server.url, '--concurrency', '10', '--total', '200']);
    const e2e = report.runs[0].latency.e2e!;
    expect(report.runs[0].summary.ok).toBe(200);
    // setTimeout only ever fires late, so each bound allows for scheduler lateness on the high side.
    expect(e2e.p50).toBeGreaterThanOrEqual(50);
    expect(e2e.p50).toBeLessThan(75);
    expect(e2e.p90).toBeGreaterThanOrEqual(90);
    expect(e2e.p90).toBeLessThan(120);
    expect(e2e.max).toBeGreaterThanOrEqual(100);
    expect(e2e.min).toBeGreaterThanOrEqual(10);
    expect(e2e.min).toBeLessThan(30);
  });
});

describe('coordinated omission', () => {
  test('an-open-loop-reports-the-stall-of-a-pausing-server-that-a-closed-loop-hides', async () => {
    const closedServer = pausingServer(20, 600);
    const openServer = pausingServer(20, 600);
    servers.push(closedServer, openServer);
    const closed = await run(['--mode', 'http', '--url', closedServer.url, '--concurrency', '1', '--total', '200']);
    const open = await run(['--mode', 'http', '--url', openServer.url, '--rate', '200', '--total', '300']);
    const c = closed.runs[0].latency.e2e!;
    const o = open.runs[0].latency.e2e!;
    // Both runs hit the same 600 ms pause ...
    expect(c.max).toBeGreaterThanOrEqual(590);
    expect(o.max).toBeGreaterThanOrEqual(590);
    // ... but the closed loop sent nothing while stalled, so only one sample shows it.
    expect(c.p99).toBeLessThan(100);
    expect(o.p99).toBeGreaterThanOrEqual(500);
    expect(o.p90).toBeGreaterThanOrEqual(200);
  });
});
