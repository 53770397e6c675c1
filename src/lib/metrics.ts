import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * The one Prometheus registry of the process. Every module registers its metrics here, so
 * `/metrics` exposes them all; `confab_` prefixes our own names.
 */
export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'confab_' });

// Under Bun, per-space heap statistics walk the heap: 20-60 ms with the event loop blocked on
// every scrape, which costs a loaded server a visible share of its throughput. The heap totals
// (confab_nodejs_heap_size_*) stay.
for (const kind of ['total', 'used', 'available']) registry.removeSingleMetric(`confab_nodejs_heap_space_size_${kind}_bytes`);
