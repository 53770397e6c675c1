import { Counter, Histogram } from 'prom-client';
import { registry } from '../../lib/metrics';

const requests = new Counter({
  name: 'confab_http_requests_total',
  help: 'HTTP requests by method, route template and status',
  labelNames: ['method', 'route', 'status'] as const,
  registers: [registry],
});

const duration = new Histogram({
  name: 'confab_http_request_duration_seconds',
  help: 'HTTP request duration from arrival to response, by method, route template and status',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [registry],
});

/** Requests that matched no route share one label, so scanners cannot blow up the series count. */
export const UNMATCHED_ROUTE = 'unmatched';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

interface Children {
  count: ReturnType<typeof requests.labels>;
  time: ReturnType<typeof duration.labels>;
}
// Label resolution hashes the label set on every call; the children are looked up once per series.
const children = new Map<string, Children>();

/** Records one finished request. `route` is the matched template (e.g. `/api/documents/:id`). */
export function observeHttpRequest(method: string, route: string | undefined, status: number, seconds: number): void {
  const m = METHODS.has(method) ? method : 'OTHER';
  const r = route || UNMATCHED_ROUTE;
  const key = `${m} ${r} ${status}`;
  let c = children.get(key);
  if (!c) {
    const labels = { method: m, route: r, status: String(status) };
    c = { count: requests.labels(labels), time: duration.labels(labels) };
    children.set(key, c);
  }
  c.count.inc();
  c.time.observe(seconds);
}
