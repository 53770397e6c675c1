import { Elysia } from 'elysia';
import type { AppContext } from '../../context';
import { registry } from '../../lib/metrics';
import { observeHttpRequest } from './http-metrics';

const started = new WeakMap<Request, number>();

/**
 * `GET /metrics` (Prometheus text format) and per-request HTTP metrics labelled by the matched
 * route template. With METRICS=off neither the endpoint nor the hooks exist.
 */
export const metricsModule = (ctx: Pick<AppContext, 'config'>) => {
  const plugin = new Elysia({ name: 'metrics' });
  if (!ctx.config.metrics) return plugin;
  return plugin
    .onRequest(({ request }) => {
      started.set(request, performance.now());
    })
    .onAfterResponse({ as: 'global' }, ({ request, route, set, responseValue }) => {
      const start = started.get(request);
      if (start === undefined) return;
      const status = responseValue instanceof Response ? responseValue.status : Number(set.status ?? 200);
      observeHttpRequest(request.method, route, status, (performance.now() - start) / 1000);
    })
    .get(
      '/metrics',
      async ({ set }) => {
        set.headers['content-type'] = registry.contentType;
        return registry.metrics();
      },
      { detail: { summary: 'Prometheus metrics (text exposition format)', tags: ['health'] } },
    );
};
