import { act, dataTable, getJson, statusLine, usd } from './admin-common.js';
import { barChart } from './bar-chart.js';
import { formatNumber, h } from './dom.js';

const GROUPS = [
  ['day', 'By day'],
  ['user', 'By user'],
  ['model', 'By model'],
  ['group', 'By group'],
];
const METRICS = [
  ['costUsd', 'Cost', usd],
  ['tokens', 'Tokens', (v) => formatNumber(v)],
  ['requests', 'Requests', (v) => formatNumber(v)],
];

const isoDay = (d) => d.toISOString().slice(0, 10);

/** Usage across the server over a range: charts and a table by day, user, model or group, and CSV. */
export class AdminUsage {
  constructor() {
    this.status = statusLine();
    const now = new Date();
    this.from = h('input', { id: 'usage-from', type: 'date', value: `${isoDay(now).slice(0, 8)}01` });
    this.to = h('input', { id: 'usage-to', type: 'date', value: isoDay(new Date(now.getTime() + 86_400_000)) });
    this.groupBy = h(
      'select',
      { id: 'usage-group' },
      GROUPS.map(([v, t]) => h('option', { value: v, text: t })),
    );
    this.metric = h(
      'select',
      { id: 'usage-metric' },
      METRICS.map(([v, t]) => h('option', { value: v, text: t })),
    );
    this.csv = h('a', { class: 'button', download: 'usage.csv', text: 'Download CSV' });
    this.totals = h('div', { class: 'usage-totals' });
    this.chart = h('div', { class: 'chart-box' });
    this.table = h('div', {});
    for (const el of [this.from, this.to, this.groupBy, this.metric]) el.addEventListener('change', () => this.show());
    this.root = h(
      'section',
      { 'aria-labelledby': 'admin-usage-title' },
      h('h2', { id: 'admin-usage-title', text: 'Usage' }),
      h(
        'div',
        { class: 'admin-filters' },
        h('label', { for: 'usage-from' }, h('span', { text: 'From' }), this.from),
        h('label', { for: 'usage-to' }, h('span', { text: 'To (exclusive)' }), this.to),
        h('label', { for: 'usage-group' }, h('span', { text: 'Group' }), this.groupBy),
        h('label', { for: 'usage-metric' }, h('span', { text: 'Chart' }), this.metric),
        this.csv,
      ),
      this.status.el,
      this.totals,
      this.chart,
      this.table,
    );
  }

  async show() {
    const params = new URLSearchParams({ from: this.from.value, to: this.to.value, groupBy: this.groupBy.value });
    this.csv.href = `/api/admin/usage?${params}&format=csv`;
    const report = await act(null, this.status, () => getJson(`/api/admin/usage?${params}`));
    if (!report) return;
    this.status.clear();
    const [metric, metricLabel, format] = METRICS.find(([v]) => v === this.metric.value);
    const t = report.totals;
    this.totals.replaceChildren(
      ...[
        ['Requests', formatNumber(t.requests)],
        ['Prompt tokens', formatNumber(t.promptTokens)],
        ['Completion tokens', formatNumber(t.completionTokens)],
        ['Cost', usd(t.costUsd)],
      ].map(([k, v]) => h('div', { class: 'stat' }, h('span', { class: 'muted small', text: k }), h('strong', { text: v }))),
    );
    const rows = this.groupBy.value === 'day' ? report.rows : [...report.rows].sort((a, b) => b[metric] - a[metric]);
    const label = (r) => r.label ?? r.key ?? 'no group';
    this.chart.replaceChildren(
      rows.length
        ? barChart(
            rows.map((r) => ({ label: label(r), value: r[metric] })),
            {
              label: `${metricLabel} ${GROUPS.find(([v]) => v === this.groupBy.value)[1].toLowerCase()}`,
              format,
              max: 31,
              width: Math.min(900, this.chart.clientWidth || 600),
            },
          )
        : h('p', { class: 'muted', text: 'No usage in this range.' }),
    );
    this.table.replaceChildren(
      dataTable(
        'Usage rows',
        [
          { title: { day: 'Day', user: 'User', model: 'Model', group: 'Group' }[this.groupBy.value], cell: label },
          { title: 'Requests', num: true, cell: (r) => formatNumber(r.requests) },
          { title: 'Prompt', num: true, cell: (r) => formatNumber(r.promptTokens) },
          { title: 'Completion', num: true, cell: (r) => formatNumber(r.completionTokens) },
          { title: 'Cost', num: true, cell: (r) => usd(r.costUsd) },
        ],
        rows,
        'No usage in this range.',
      ),
    );
  }
}
