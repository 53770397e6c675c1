import { afterEach, describe, expect, test } from 'bun:test';
import { type FakeUpstream, startFakeUpstream } from '../src/testing/fake-upstream';
import { type RawAction, rawServer, type Scripted } from '../src/testing/scripted-servers';
import { parseOptions } from './options';
import { formatTable } from './report-table';
import { runLoadgen } from './run';

const stops: Array<() => unknown> = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

const run = (args: string[]) => runLoadgen(parseOptions([...args, '--quiet'])!);

function serve(script: (i: number) => RawAction): Scripted {
  const server = rawServer(script);
  stops.push(() => server.stop());
  return server;
}

describe('errors are classified by kind', () => {
  test('http-mode-statuses-dropped-connections-and-timeouts', async () => {
    const actions: RawAction[] = ['ok', 429, 500, 'close-mid-body', 'hang', 'ok', 429, 503];
    const server = serve((i) => actions[i] ?? 'ok');
    const report = await run(['--mode', 'http', '--url', server.url, '--concurrency', '1', '--total', '8', '--timeout', '300ms']);
    const r = report.runs[0];
    expect(r.errors).toEqual({ 'status 429': 2, 'status 500': 1, 'status 503': 1, 'socket close': 1, timeout: 1 });
    expect(r.summary.ok).toBe(2);
    expect(r.summary.errors).toBe(6);
    expect(r.summary.errorRate).toBe(0.75);
    // Refusals by rate limits are named as such, with what to do about them.
    const table = formatTable(report);
    expect(table).toContain('2 of 8 requests (25.00%) were refused with 429');
    expect(table).toContain('RATE_LIMIT_RPM');
  });

  test('a-refused-connection-is-reported-as-such', async () => {
    const server = serve(() => 'ok');
    server.stop();
    const r = (await run(['--mode', 'http', '--url', server.url, '--total', '3'])).runs[0];
    expect(r.errors).toEqual({ 'connection refused': 3 });
  });

  test('sse-mode-a-cut-stream-a-429-and-a-stall-against-the-fake-upstream', async () => {
    const upstream: FakeUpstream = await startFakeUpstream({ tokens: 6 });
    stops.push(() => upstream.stop());
    const base = ['--mode', 'sse', '--url', upstream.url, '--api-key', 'k', '--total', '2', '--concurrency', '1'];
    const cut = (await run([...base, '--header', 'x-fake-error: cut'])).runs[0];
    const limited = (await run([...base, '--header', 'x-fake-error: 429'])).runs[0];
    const stalled = (await run([...base, '--header', 'x-fake-error: stall', '--timeout', '200ms'])).runs[0];
    const fine = (await run(base)).runs[0];
    expect(cut.errors).toEqual({ 'socket close': 2 });
    expect(limited.errors).toEqual({ 'status 429': 2 });
    expect(stalled.errors).toEqual({ timeout: 2 });
    expect(fine.summary.ok).toBe(2);
    expect(fine.summary.outputTokens).toBe(12);
  });
});
