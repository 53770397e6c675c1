import { describe, expect, test } from 'bun:test';
import { Elysia } from 'elysia';
import { AppError } from '../../lib/errors';
import { registry } from '../../lib/metrics';
import { testConfig } from '../../testing/app-harness';
import { errorHandler } from '../error-handler';
import { metricsModule } from './index';
import { wsClosed, wsFrame, wsOpened } from './ws-metrics';

function app(metrics: 'on' | 'off') {
  return new Elysia()
    .use(errorHandler)
    .use(metricsModule({ config: testConfig({ METRICS: metrics }) }))
    .get('/api/things/:id', ({ params }) => ({ id: params.id }))
    .get('/api/broken', () => {
      throw new AppError('conflict', { message: 'no' });
    })
    .listen({ port: 0, hostname: '127.0.0.1' });
}

async function count(labels: Record<string, string>): Promise<number> {
  const metric = (await registry.getSingleMetric('confab_http_requests_total')!.get()).values;
  return metric.filter((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x)).reduce((n, v) => n + v.value, 0);
}

describe('metrics', () => {
  test('labels-by-route-template-requests-are-counted-under-the-matched-route-never-the-raw-path', async () => {
    const server = app('on');
    const base = `http://127.0.0.1:${server.server!.port}`;
    const before = await count({ route: '/api/things/:id', status: '200' });
    for (const id of ['a', 'b', 'c']) await (await fetch(`${base}/api/things/${id}?x=${id}`)).text();
    await (await fetch(`${base}/api/broken`)).text();
    await (await fetch(`${base}/no/such/${crypto.randomUUID()}`)).text();
    await Bun.sleep(20);
    expect((await count({ route: '/api/things/:id', status: '200', method: 'GET' })) - before).toBe(3);
    expect(await count({ route: '/api/broken', status: '409' })).toBeGreaterThanOrEqual(1);
    expect(await count({ route: 'unmatched', status: '404' })).toBeGreaterThanOrEqual(1);
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toContain('confab_http_request_duration_seconds_bucket{le="0.005",method="GET",route="/api/things/:id",status="200"}');
    expect(text).not.toMatch(/route="\/api\/things\/[abc]"/);
    expect(text).toContain('confab_process_cpu_seconds_total');
    server.stop(true);
  });

  test('metrics-off-no-metrics-endpoint-and-nothing-recorded', async () => {
    const server = app('off');
    const base = `http://127.0.0.1:${server.server!.port}`;
    const before = await count({ route: '/api/things/:id' });
    await (await fetch(`${base}/api/things/z`)).text();
    await Bun.sleep(20);
    expect(await count({ route: '/api/things/:id' })).toBe(before);
    expect((await fetch(`${base}/metrics`)).status).toBe(404);
    server.stop(true);
  });

  test('websocket-gauges-follow-opens-closes-and-frames-with-unknown-frame-types-bounded-to-other', async () => {
    const gauge = async () => (await registry.getSingleMetric('confab_ws_connections')!.get()).values[0]?.value ?? 0;
    const start = await gauge();
    wsOpened();
    wsOpened();
    wsClosed();
    expect((await gauge()) - start).toBe(1);
    wsClosed();
    wsFrame('out', 'token');
    wsFrame('in', `made-up-${crypto.randomUUID()}`);
    const frames = (await registry.getSingleMetric('confab_ws_frames_total')!.get()).values;
    expect(frames.some((v) => v.labels.direction === 'out' && v.labels.type === 'token')).toBe(true);
    expect(frames.every((v) => !String(v.labels.type).startsWith('made-up'))).toBe(true);
  });
});
