import type { Report, RunResult } from './report';
import { formatTable } from './report-table';
import { escapeHtml, lineChart, type Series } from './svg-chart';

/** HdrHistogram's percentile axis: 90% → 1, 99% → 2, 99.9% → 3 … (log of 1/(1-p)). */
const nines = (percentile: number) => Math.log10(1 / Math.max(1e-6, 1 - percentile / 100));
const NINES_TICKS = [0, 90, 99, 99.9, 99.99, 99.999].map((p) => ({ value: nines(p), label: `${p}%` }));

/** One standalone HTML file: charts as inline SVG, the text table, and the JSON result embedded. */
export function renderHtml(report: Report): string {
  const c = report.config;
  const sections = [
    distributionChart(report.runs),
    ...(report.sweep ? [sweepChart(report.runs)] : []),
    ...report.runs.map((run) => overTimeCharts(run)),
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>loadgen · ${escapeHtml(c.mode)} ${escapeHtml(c.url)}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:820px;color:#111827}
h1{font-size:20px}h2{font-size:16px;margin-top:28px}
svg{width:100%;height:auto;background:#fff;border:1px solid #e5e7eb;border-radius:6px;margin:8px 0}
.title{font-size:14px;font-weight:600}.tick{font-size:11px;fill:#374151}.label{font-size:12px;fill:#111827}
.grid{stroke:#e5e7eb}pre{background:#f9fafb;border:1px solid #e5e7eb;padding:12px;overflow:auto;font-size:12px}
.meta{color:#4b5563}
</style></head><body>
<h1>loadgen: ${escapeHtml(c.mode)} ${escapeHtml(c.url)}</h1>
<p class="meta">${escapeHtml(report.meta.startedAt)} · ${escapeHtml(report.meta.host.hostname)} · ${report.meta.host.cpus}× ${escapeHtml(report.meta.host.cpuModel)} · ${escapeHtml(report.meta.runtime)}</p>
<pre>${escapeHtml(formatTable(report))}</pre>
${sections.join('\n')}
<h2>Full result</h2>
<details><summary>JSON</summary><pre id="result">${escapeHtml(JSON.stringify(report, null, 2))}</pre></details>
</body></html>
`;
}

function distributionChart(runs: RunResult[]): string {
  const series: Series[] = runs.map((run) => ({
    name: run.label.replace(/^open loop, /, ''),
    points: run.percentileCurve.map(([p, ms]) => [nines(Math.min(p, 99.999)), ms] as [number, number]),
  }));
  return `<h2>Latency distribution</h2>${lineChart({
    title: 'Latency by percentile (from intended send time)',
    xLabel: 'percentile',
    yLabel: 'ms',
    series,
    xTicks: NINES_TICKS,
  })}`;
}

function sweepChart(runs: RunResult[]): string {
  const point = (run: RunResult, pick: (r: RunResult) => number | undefined) => [run.targetRate ?? 0, pick(run) ?? 0] as [number, number];
  const series: Series[] = [
    { name: 'p50 latency', points: runs.map((r) => point(r, (x) => x.latency.e2e?.p50)) },
    { name: 'p99 latency', points: runs.map((r) => point(r, (x) => x.latency.e2e?.p99)) },
  ];
  if (runs.some((r) => r.latency.ttft)) {
    series.push({ name: 'p99 ttft', points: runs.map((r) => point(r, (x) => x.latency.ttft?.p99)) });
  }
  return `<h2>Rate sweep</h2>${lineChart({ title: 'Latency against offered rate', xLabel: 'offered req/s', yLabel: 'ms', series })}`;
}

function overTimeCharts(run: RunResult): string {
  const points = run.timeline;
  const width = points.length > 1 ? points[1].t - points[0].t : 1;
  const latency: Series[] = (['p50', 'p99', 'max'] as const).map((key) => ({
    name: key,
    points: points.filter((p) => p[key] !== null).map((p) => [p.t, p[key]!] as [number, number]),
  }));
  const throughput: Series[] = [
    { name: 'requests/s', points: points.map((p) => [p.t, p.requests / width] as [number, number]) },
    { name: 'errors/s', points: points.map((p) => [p.t, p.errors / width] as [number, number]) },
  ];
  return `<h2>${escapeHtml(run.label)}</h2>${lineChart({
    title: 'Latency over time (by intended send time)',
    xLabel: 'seconds into the measured phase',
    yLabel: 'ms',
    series: latency,
  })}${lineChart({ title: 'Requests over time', xLabel: 'seconds into the measured phase', yLabel: 'per second', series: throughput })}`;
}
