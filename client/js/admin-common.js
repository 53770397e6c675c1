import { api } from './api.js';
import { formatNumber, h } from './dom.js';
import { describeError } from './errors.js';

export const when = (iso) => (iso ? new Date(iso).toLocaleString() : '—');
export const usd = (value) => (Number.isFinite(value) ? `$${formatNumber(value, value < 1 && value > 0 ? 4 : 2)}` : '—');

/** A table whose columns say how to draw a cell; wrapped so a narrow screen scrolls it sideways. */
export function dataTable(label, columns, rows, empty = 'Nothing here yet.') {
  if (!rows.length) return h('p', { class: 'muted', text: empty });
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'admin-table', 'aria-label': label },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          columns.map((c) => h('th', { scope: 'col', class: c.num ? 'num' : undefined, text: c.title })),
        ),
      ),
      h(
        'tbody',
        {},
        rows.map((row) =>
          h(
            'tr',
            { dataset: row.id ? { id: row.id } : {} },
            columns.map((c) => h('td', { class: c.num ? 'num' : undefined, 'data-label': c.title }, c.cell(row))),
          ),
        ),
      ),
    ),
  );
}

/** A line that says what an action did, or why it failed, read out to screen readers too. */
export function statusLine() {
  const el = h('p', { class: 'admin-status', role: 'status', 'aria-live': 'polite' });
  return {
    el,
    ok: (text) => {
      el.className = 'admin-status ok';
      el.textContent = text;
    },
    fail: (err) => {
      el.className = 'admin-status error';
      el.textContent = describeError(err);
    },
    clear: () => (el.textContent = ''),
  };
}

/** Runs an API call for a button, disabling it meanwhile and reporting a failure on `status`. */
export async function act(button, status, work) {
  if (button) button.disabled = true;
  try {
    return await work();
  } catch (err) {
    status.fail(err);
    return undefined;
  } finally {
    if (button) button.disabled = false;
  }
}

export const LIMIT_FIELDS = [
  ['rpm', 'Requests / minute', 1],
  ['tpm', 'Tokens / minute', 1],
  ['tokensPerDay', 'Tokens / day', 1],
  ['usdPerMonth', 'USD / month', 0.01],
];

/** Number inputs for quotas; an empty field sets nothing at this level (the next level decides). */
export function limitsFieldset(prefix, limits) {
  const inputs = {};
  const fieldset = h(
    'fieldset',
    { class: 'limits-fields' },
    h('legend', { text: 'Limits (empty: inherited)' }),
    LIMIT_FIELDS.map(([key, label, step]) => {
      const id = `${prefix}-${key}`;
      inputs[key] = h('input', { id, type: 'number', min: 0, step, inputmode: 'decimal', value: limits?.[key] ?? '' });
      return h('label', { for: id }, h('span', { text: label }), inputs[key]);
    }),
  );
  const read = () => {
    const out = {};
    for (const [key] of LIMIT_FIELDS) if (inputs[key].value.trim() !== '') out[key] = Number(inputs[key].value);
    return Object.keys(out).length ? out : null;
  };
  return { fieldset, read };
}

export function describeLimits(limits) {
  if (!limits) return '—';
  const parts = LIMIT_FIELDS.filter(([k]) => limits[k] !== undefined).map(([k, label]) =>
    limits[k] === null ? `${label}: none` : `${label}: ${k === 'usdPerMonth' ? usd(limits[k]) : formatNumber(limits[k])}`,
  );
  return parts.join(' · ') || '—';
}

/** A modal built for one use and removed when closed; resolves with the button value the user chose. */
export function openDialog(title, body, okLabel = 'Save') {
  const dialog = h(
    'dialog',
    { class: 'admin-dialog', 'aria-label': title },
    h(
      'form',
      { method: 'dialog', class: 'dialog-body' },
      h('h2', { text: title }),
      body,
      h(
        'div',
        { class: 'dialog-actions' },
        h('button', { type: 'submit', value: 'cancel', formnovalidate: true, text: 'Cancel' }),
        h('button', { type: 'submit', class: 'primary', value: 'ok', text: okLabel }),
      ),
    ),
  );
  document.body.append(dialog);
  dialog.showModal();
  return new Promise((resolve) =>
    dialog.addEventListener(
      'close',
      () => {
        dialog.remove();
        resolve(dialog.returnValue === 'ok');
      },
      { once: true },
    ),
  );
}

/** Shows a secret the server hands out once (a link, a key) with a copy button. */
export function shownOnce(title, secret) {
  const copy = h('button', { type: 'button', text: 'Copy' });
  copy.addEventListener('click', () =>
    navigator.clipboard.writeText(secret).then(
      () => (copy.textContent = 'Copied'),
      () => (copy.textContent = 'Select and copy it'),
    ),
  );
  return h(
    'div',
    { class: 'new-key', role: 'alert' },
    h('strong', { text: title }),
    h('code', { class: 'secret', text: secret }),
    h('div', {}, copy),
  );
}

export const getJson = (path) => api('GET', path);
