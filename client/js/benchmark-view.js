import { $, formatNumber, h } from './dom.js';
import { describeError } from './errors.js';
import { StreamRenderer } from './stream-renderer.js';

function money(usd) {
  if (usd === null || usd === undefined) return '—';
  if (usd === 0) return '$0';
  return usd < 0.01 ? `$${usd.toFixed(5)}` : `$${usd.toFixed(4)}`;
}

/** The same prompt to several models at once: columns stream side by side, then a results table. */
export class BenchmarkView {
  constructor({ socket, options }) {
    this.socket = socket;
    this.options = options;
    this.root = $('benchmark-view');
    this.columns = new Map();
    this.requestId = null;
    this.build();
  }

  build() {
    this.prompt = h('textarea', { id: 'bench-prompt', required: true, placeholder: 'A prompt to send to every model' });
    this.models = h('fieldset', { class: 'bench-models' }, h('legend', { text: 'Models' }));
    this.run = h('button', { type: 'submit', class: 'primary', text: 'Run benchmark' });
    this.stopButton = h('button', {
      type: 'button',
      class: 'danger',
      text: '■ Stop',
      hidden: true,
      on: { click: () => this.socket.stop(this.requestId) },
    });
    this.status = h('p', { class: 'small muted', role: 'status' });
    const form = h(
      'form',
      { class: 'bench-form', 'aria-label': 'Benchmark models' },
      h('label', { for: 'bench-prompt', text: 'Prompt' }),
      this.prompt,
      this.models,
      h('div', { class: 'inline-form' }, this.run, this.stopButton, this.status),
    );
    form.addEventListener('submit', (e) => (e.preventDefault(), this.start()));
    this.prompt.addEventListener('keydown', (e) => e.key === 'Enter' && (e.ctrlKey || e.metaKey) && (e.preventDefault(), this.start()));
    this.grid = h('div', { class: 'bench-columns' });
    this.table = h('div', { class: 'table-wrap' });
    this.root.replaceChildren(form, this.grid, this.table);
  }

  show() {
    $('view-title').textContent = 'Benchmark';
    const models = this.options.models ?? [];
    const checked = new Set(this.selected());
    const initial = checked.size ? checked : new Set(models.slice(0, 2).map((m) => m.id));
    // Comparing needs two models; with one, the benchmark still measures it alone.
    const legend = models.length > 1 ? 'Models (pick two or more to compare)' : 'Model (add a connection under Admin to compare several)';
    this.models.replaceChildren(
      h('legend', { text: legend }),
      ...models.map((m) => h('label', {}, h('input', { type: 'checkbox', value: m.id, checked: initial.has(m.id) }), m.id)),
    );
  }

  selected() {
    return [...this.models.querySelectorAll('input:checked')].map((i) => i.value);
  }

  start() {
    const prompt = this.prompt.value.trim();
    const models = this.selected();
    if (!prompt || models.length === 0 || this.requestId) {
      this.status.textContent = !prompt ? 'Write a prompt first.' : models.length === 0 ? 'Pick at least one model.' : '';
      return;
    }
    this.columns.clear();
    this.table.replaceChildren();
    this.grid.replaceChildren(
      ...models.map((model) => {
        const answer = h('div', { class: 'answer streaming' });
        const state = h('span', { class: 'small muted', text: 'waiting…' });
        const column = h(
          'section',
          { class: 'bench-column', 'aria-label': model, dataset: { model } },
          h('h3', {}, h('span', { text: model }), state),
          answer,
        );
        this.columns.set(model, { answer, state, renderer: new StreamRenderer(answer), text: '' });
        return column;
      }),
    );
    this.status.textContent = 'Running…';
    this.run.disabled = true;
    this.stopButton.hidden = false;
    this.requestId = this.socket.start({ type: 'benchmark', prompt, models }, (f) => this.onFrame(f));
  }

  onFrame(frame) {
    const col = frame.model ? this.columns.get(frame.model) : undefined;
    if (frame.type === 'token' && col) {
      col.text += frame.delta;
      col.state.textContent = 'streaming…';
      col.renderer.append(frame.delta);
    } else if (frame.type === 'done' && col) {
      col.renderer.finish(frame.output ?? col.text);
      col.answer.classList.remove('streaming');
      col.state.textContent = `${formatNumber(frame.totalMs / 1000, 2)} s`;
    } else if (frame.type === 'error' && col) {
      col.answer.classList.remove('streaming');
      col.answer.replaceChildren(h('p', { class: 'notice error-notice', text: describeError(frame) }));
      col.state.textContent = 'failed';
    } else if (frame.type === 'benchmark' || frame.type === 'done' || frame.type === 'error') {
      if (frame.type === 'benchmark') this.showTable(frame.results);
      else this.status.textContent = describeError(frame);
      this.end(frame.type === 'benchmark' ? 'Done.' : this.status.textContent);
    }
  }

  end(message) {
    for (const col of this.columns.values()) col.answer.classList.remove('streaming');
    this.status.textContent = message;
    this.requestId = null;
    this.run.disabled = false;
    this.stopButton.hidden = true;
  }

  showTable(results) {
    const head = ['Model', 'TTFT (ms)', 'Total (ms)', 'Tokens/s', 'Tokens (in / out)', 'Cost'];
    const rows = results.map((r) =>
      r.ok
        ? [
            r.answeredBy === r.model ? r.model : `${r.model} → ${r.answeredBy}`,
            formatNumber(r.ttftMs, 0),
            formatNumber(r.totalMs, 0),
            formatNumber(r.tokensPerSec, 1),
            `${r.usage.promptTokens} / ${r.usage.completionTokens}`,
            money(r.costUsd),
          ]
        : [r.model, '—', '—', '—', '—', describeError(r.error)],
    );
    this.table.replaceChildren(
      h(
        'table',
        { class: 'bench-table' },
        h('caption', { class: 'visually-hidden', text: 'Benchmark results' }),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            head.map((t, i) => h('th', { scope: 'col', class: i > 0 && i < 5 ? 'num' : null, text: t })),
          ),
        ),
        h(
          'tbody',
          {},
          rows.map((cells) =>
            h(
              'tr',
              {},
              cells.map((t, i) => (i === 0 ? h('th', { scope: 'row', text: t }) : h('td', { class: i < 5 ? 'num' : null, text: t }))),
            ),
          ),
        ),
      ),
    );
  }
}
