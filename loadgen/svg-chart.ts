/** Minimal line charts as inline SVG strings, so reports need no scripts or network. */
export interface Series {
  name: string;
  points: Array<[number, number]>;
}

export interface ChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  /** Fixed x ticks (e.g. percentile labels); nice numeric ticks when absent. */
  xTicks?: Array<{ value: number; label: string }>;
}

const WIDTH = 760;
const HEIGHT = 300;
const M = { top: 34, right: 20, bottom: 44, left: 64 };
const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#4b5563', '#db2777'];

export function lineChart(spec: ChartSpec): string {
  const all = spec.series.flatMap((s) => s.points);
  if (all.length === 0) return `<p class="empty">${escapeHtml(spec.title)}: no data</p>`;
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]);
  const [x0, x1] = spread(Math.min(...xs), Math.max(...xs));
  const yTicks = niceTicks(0, Math.max(...ys));
  const y1 = yTicks[yTicks.length - 1];
  const plotW = WIDTH - M.left - M.right;
  const plotH = HEIGHT - M.top - M.bottom;
  const sx = (x: number) => M.left + ((x - x0) / (x1 - x0)) * plotW;
  const sy = (y: number) => M.top + plotH - (y / y1) * plotH;
  const xTicks = spec.xTicks ?? niceTicks(x0, x1).map((value) => ({ value, label: formatNumber(value) }));
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${escapeHtml(spec.title)}">`,
    `<text x="${M.left}" y="20" class="title">${escapeHtml(spec.title)}</text>`,
    ...yTicks.map(
      (t) =>
        `<line x1="${M.left}" x2="${WIDTH - M.right}" y1="${sy(t)}" y2="${sy(t)}" class="grid"/>` +
        `<text x="${M.left - 6}" y="${sy(t) + 4}" class="tick" text-anchor="end">${formatNumber(t)}</text>`,
    ),
    ...xTicks
      .filter((t) => t.value >= x0 && t.value <= x1)
      .map((t) => `<text x="${sx(t.value)}" y="${HEIGHT - M.bottom + 16}" class="tick" text-anchor="middle">${escapeHtml(t.label)}</text>`),
    `<text x="${M.left + plotW / 2}" y="${HEIGHT - 6}" class="label" text-anchor="middle">${escapeHtml(spec.xLabel)}</text>`,
    `<text x="14" y="${M.top + plotH / 2}" class="label" text-anchor="middle" transform="rotate(-90 14 ${M.top + plotH / 2})">${escapeHtml(spec.yLabel)}</text>`,
    ...spec.series.map((s, i) => polyline(s, COLORS[i % COLORS.length], sx, sy)),
    ...spec.series.map(
      (s, i) =>
        `<rect x="${WIDTH - M.right - 150}" y="${M.top + i * 16}" width="10" height="10" fill="${COLORS[i % COLORS.length]}"/>` +
        `<text x="${WIDTH - M.right - 135}" y="${M.top + i * 16 + 9}" class="tick">${escapeHtml(s.name)}</text>`,
    ),
    '</svg>',
  ];
  return parts.join('');
}

function polyline(series: Series, color: string, sx: (x: number) => number, sy: (y: number) => number): string {
  const points = series.points.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ');
  const dots =
    series.points.length <= 40
      ? series.points
          .map(
            ([x, y]) =>
              `<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="2.5" fill="${color}"><title>${formatNumber(y)}</title></circle>`,
          )
          .join('')
      : '';
  return `<polyline fill="none" stroke="${color}" stroke-width="1.8" points="${points}"/>${dots}`;
}

function spread(lo: number, hi: number): [number, number] {
  return lo === hi ? [lo - 1, hi + 1] : [lo, hi];
}

function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (hi <= lo) hi = lo + 1;
  const raw = (hi - lo) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let t = Math.floor(lo / step) * step; t < hi + step - 1e-9; t += step) ticks.push(Math.round(t * 1e6) / 1e6);
  return ticks;
}

export function formatNumber(value: number): string {
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString('en-US');
  if (Math.abs(value) >= 10) return String(Math.round(value * 10) / 10);
  return String(Math.round(value * 1000) / 1000);
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
