import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * The one Prometheus registry of the process. Every module registers its metrics here, so
 * `/metrics` exposes them all; `confab_` prefixes our own names.
 */
export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'confab_' });
