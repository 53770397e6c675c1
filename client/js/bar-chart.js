const SVG = 'http://www.w3.org/2000/svg';

function svg(tag, attrs = {}, text) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

/**
 * A horizontal bar chart in plain SVG: one bar per item, its label and value beside it, scaled to
 * the largest value. It takes the width of its container, so it fits a phone as well as a desktop.
 */
export function barChart(items, { label, format = String, max = 20, width = 600 } = {}) {
  const shown = items.slice(0, max);
  const rowH = 26;
  const top = Math.max(...shown.map((i) => i.value), 0) || 1;
  // Drawn at the width it is shown at, so its text stays at the page's size on a phone and a desktop.
  const labelW = Math.round(width * 0.36);
  const barMax = Math.round(width * 0.46);
  const chars = Math.max(8, Math.floor(labelW / 8));
  const chart = svg('svg', {
    class: 'bar-chart',
    role: 'img',
    'aria-label': label,
    viewBox: `0 0 ${width} ${shown.length * rowH + 4}`,
    preserveAspectRatio: 'xMinYMin meet',
    width,
    height: shown.length * rowH + 4,
  });
  chart.append(svg('title', {}, label));
  shown.forEach((item, i) => {
    const y = i * rowH + 2;
    const w = Math.max(1, (item.value / top) * barMax);
    const g = svg('g', {});
    g.append(
      svg('text', { x: 0, y: y + 16, class: 'bar-label' }, item.label.length > chars ? `${item.label.slice(0, chars - 1)}…` : item.label),
      svg('rect', { x: labelW, y: y + 3, width: w, height: rowH - 8, rx: 3, class: 'bar' }),
      svg('text', { x: labelW + w + 6, y: y + 16, class: 'bar-value' }, format(item.value)),
    );
    g.append(svg('title', {}, `${item.label}: ${format(item.value)}`));
    chart.append(g);
  });
  return chart;
}
