import { parseArgs } from 'node:util';
import { runWorkload, type WorkloadOptions, type WorkloadReport } from './workload';

const USAGE = `Usage: bun run scheduler [options]

Runs a simulated inference workload through the scheduler and reports throughput, batch fill
and per-priority queue wait and end-to-end latency.

  --workers N        worker threads (default: cores - 1, at least 1)
  --batch N          max jobs per batch (default 8)
  --requests N       requests to complete (default 200)
  --concurrency N    requests kept outstanding (default 64)
  --cost US          CPU cost per job, microseconds (default 50)
  --batch-cost US    fixed CPU cost per batch, microseconds (default 200)
  --wait US          max wait to fill a batch, microseconds (default 0)
  --mix I,N,B        shares of interactive, normal, background (default 2,5,3)
  --json             print the report as JSON
  --help             show this help`;

function positive(name: string, raw: string | undefined, fallback: number, min = 1): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number >= ${min}, got "${raw}"`);
  return Math.floor(n);
}

export function parseOptions(argv: string[]): (WorkloadOptions & { json: boolean }) | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      workers: { type: 'string' },
      batch: { type: 'string' },
      requests: { type: 'string' },
      concurrency: { type: 'string' },
      cost: { type: 'string' },
      'batch-cost': { type: 'string' },
      wait: { type: 'string' },
      mix: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return 'help';
  const mix = (values.mix ?? '2,5,3').split(',').map(Number);
  if (mix.length !== 3 || mix.some((x) => !Number.isFinite(x) || x < 0) || mix[0] + mix[1] + mix[2] <= 0) {
    throw new Error(`--mix takes three non-negative shares like 2,5,3, got "${values.mix}"`);
  }
  return {
    workers: positive('workers', values.workers, Math.max(1, navigator.hardwareConcurrency - 1)),
    batch: positive('batch', values.batch, 8),
    requests: positive('requests', values.requests, 200),
    concurrency: positive('concurrency', values.concurrency, 64),
    perJobUs: positive('cost', values.cost, 50, 0),
    perBatchUs: positive('batch-cost', values['batch-cost'], 200, 0),
    maxWaitUs: positive('wait', values.wait, 0, 0),
    mix: mix as [number, number, number],
    json: values.json ?? false,
  };
}

const fmt = (n: number, digits = 0) => n.toFixed(digits).padStart(8);

function formatReport(r: WorkloadReport): string {
  const o = r.options;
  const lines = [
    `scheduler: ${o.workers} workers, max batch ${o.batch}, max wait ${o.maxWaitUs} µs, concurrency ${o.concurrency}`,
    `workload:  ${o.requests} requests, ${o.perJobUs} µs/job + ${o.perBatchUs} µs/batch, mix ${o.mix.join(':')} (interactive:normal:background)`,
    `throughput: ${r.throughput.toFixed(0)} req/s over ${r.seconds.toFixed(3)} s`,
    `batches:    ${r.batches}, mean ${r.meanBatch.toFixed(2)} jobs, fill ${(r.batchFill * 100).toFixed(1)}% of ${o.batch}`,
    `busy retries ${r.busyRetries}, failed ${r.failed}, worker restarts ${r.restarts}`,
    '',
    'priority       count   wait µs: p50     p95      p99      max   e2e ms: p50    p95      p99      max',
  ];
  for (const [name, s] of Object.entries(r.priorities)) {
    const w = s.waitUs;
    const e = s.endToEndMs;
    lines.push(
      `${name.padEnd(12)} ${String(s.count).padStart(6)} ${fmt(w.p50)} ${fmt(w.p95)} ${fmt(w.p99)} ${fmt(w.max)}   ${fmt(e.p50, 2)} ${fmt(e.p95, 2)} ${fmt(e.p99, 2)} ${fmt(e.max, 2)}`,
    );
  }
  return lines.join('\n');
}

if (import.meta.main) {
  try {
    const opts = parseOptions(Bun.argv.slice(2));
    if (opts === 'help') console.log(USAGE);
    else {
      const report = await runWorkload(opts);
      console.log(opts.json ? JSON.stringify(report, null, 2) : formatReport(report));
    }
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
}
