import type { Distribution } from './histogram';
import type { Report, RunResult } from './report';
import type { Slo } from './slo';

const COLUMNS = ['p50', 'p90', 'p95', 'p99', 'p999', 'max', 'mean'] as const;
const HEADINGS = ['p50', 'p90', 'p95', 'p99', 'p99.9', 'max', 'mean'];
const ROWS = [
  ['e2e', 'latency'],
  ['serviceTime', 'service time'],
  ['scheduleLag', 'schedule lag'],
  ['ttft', 'ttft'],
  ['itl', 'itl'],
  ['tpot', 'tpot'],
] as const;

/** The human-readable result: summary lines, a latency table per run, and the sweep verdict. */
export function formatTable(report: Report): string {
  const c = report.config;
  const lines = [`confab loadgen · ${c.mode} ${c.url}`];
  for (const run of report.runs) lines.push('', ...formatRun(run));
  if (report.sweep) {
    const s = report.sweep;
    lines.push('', `sweep (p99 against ${formatSlo(s.slo)}):`);
    for (const run of report.runs) {
      lines.push(
        `  ${pad(String(run.targetRate), 8)} req/s → p99 latency ${fmt(run.latency.e2e?.p99)} ms` +
          `${run.latency.ttft ? `, p99 ttft ${fmt(run.latency.ttft.p99)} ms` : ''}, errors ${pct(run.summary.errorRate)}`,
      );
    }
    lines.push(
      s.sustainableRate === null
        ? `  no swept rate met the SLO (${s.reasons.join('; ')})`
        : `  sustainable rate: ${s.sustainableRate} req/s` +
            (s.brokeAt === null ? ' (never broke; sweep higher)' : `; broke at ${s.brokeAt} req/s: ${s.reasons.join('; ')}`),
    );
  }
  return lines.join('\n') + '\n';
}

function formatRun(run: RunResult): string[] {
  const s = run.summary;
  const out = [
    `${run.label}`,
    `  requests    ${s.requests} (ok ${s.ok}, errors ${s.errors} = ${pct(s.errorRate)}) in ${s.durationS.toFixed(2)} s`,
    `  throughput  ${s.requestRate.toFixed(1)} req/s` +
      (s.outputTokens > 0 ? ` · ${s.outputTokenRate.toFixed(1)} output tok/s (${s.outputTokens} tokens)` : ''),
  ];
  if (s.goodput) out.push(`  goodput     ${s.goodput.rate.toFixed(1)} req/s (${pct(s.goodput.fraction)} within the SLO)`);
  out.push('', `  ${pad('ms', 14)}${HEADINGS.map((h) => pad(h, 10, true)).join('')}`);
  for (const [key, name] of ROWS) {
    const dist: Distribution | null = run.latency[key];
    if (dist) out.push(`  ${pad(name, 14)}${COLUMNS.map((col) => pad(fmt(dist[col]), 10, true)).join('')}`);
  }
  const errors = Object.entries(run.errors);
  if (errors.length > 0) out.push('', `  errors: ${errors.map(([kind, n]) => `${kind} ×${n}`).join(', ')}`);
  const limited = run.errors['status 429'] ?? 0;
  if (limited > 0)
    out.push(
      `  ${limited} of ${s.requests} requests (${pct(limited / Math.max(1, s.requests))}) were refused with 429: rate limiting by the server,`,
      '  not failures. Lower --concurrency, --rate or --total, or raise the limits of the load user',
      '  (RATE_LIMIT_RPM / RATE_LIMIT_TPM, or Admin → Server or a group in the UI).',
    );
  return out;
}

function formatSlo(slo: Slo): string {
  return Object.entries(slo)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}≤${v} ms`)
    .join(', ');
}

function fmt(value: number | undefined): string {
  if (value === undefined) return '-';
  if (value >= 100) return value.toFixed(0);
  if (value >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

function pct(fraction: number): string {
  return `${(fraction * 100).toFixed(2)}%`;
}

function pad(text: string, width: number, right = false): string {
  return right ? text.padStart(width) : text.padEnd(width);
}
