import { Counter } from 'prom-client';
import { registry } from '../lib/metrics';

export const ingestJobs = new Counter({
  name: 'confab_ingest_jobs_total',
  help: 'Ingestion jobs handled, by outcome (ready, retried, failed, skipped)',
  labelNames: ['outcome'] as const,
  registers: [registry],
});
