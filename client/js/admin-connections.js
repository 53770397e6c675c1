import { act, dataTable, getJson, statusLine } from './admin-common.js';
import { api } from './api.js';
import { announce, confirmAction, formatNumber, h } from './dom.js';
import { describeError } from './errors.js';

const KINDS = [
  ['openai-compatible', 'OpenAI-compatible (Ollama, vLLM, LM Studio…)'],
  ['openai', 'OpenAI'],
  ['anthropic', 'Anthropic'],
];

/** Model providers added at runtime: add, enable, test and delete; environment ones are shown read-only. */
export class AdminConnections {
  constructor({ onChange }) {
    this.onChange = onChange;
    this.status = statusLine();
    this.list = h('div', {});
    this.suggestions = h('div', { class: 'suggestions' });
    this.root = h(
      'section',
      { 'aria-labelledby': 'admin-connections-title' },
      h('h2', { id: 'admin-connections-title', text: 'Connections' }),
      h('p', {
        class: 'muted small',
        text: 'A connection serves the next message as soon as it is saved, with no restart. Keys are stored encrypted and never shown again.',
      }),
      this.addForm(),
      this.suggestions,
      this.status.el,
      this.list,
    );
  }

  addForm() {
    const kind = h(
      'select',
      { id: 'conn-kind' },
      KINDS.map(([v, t]) => h('option', { value: v, text: t })),
    );
    const name = h('input', {
      id: 'conn-name',
      required: true,
      pattern: '[a-z0-9][a-z0-9_.\\-]{0,39}',
      placeholder: 'e.g. lab',
      autocomplete: 'off',
    });
    const baseUrl = h('input', { id: 'conn-url', type: 'url', placeholder: 'http://127.0.0.1:11434/v1', autocomplete: 'off' });
    const apiKey = h('input', { id: 'conn-key', type: 'password', placeholder: 'optional', autocomplete: 'off' });
    const submit = h('button', { type: 'submit', class: 'primary', text: 'Add connection' });
    const form = h(
      'form',
      { class: 'stack-form', 'aria-label': 'Add a connection' },
      h('label', { for: 'conn-kind' }, h('span', { text: 'Kind' }), kind),
      h('label', { for: 'conn-name' }, h('span', { text: 'Name' }), name),
      h('label', { for: 'conn-url' }, h('span', { text: 'Base URL' }), baseUrl),
      h('label', { for: 'conn-key' }, h('span', { text: 'API key' }), apiKey),
      h('div', {}, submit),
    );
    this.fill = (s) => {
      kind.value = s.kind;
      name.value = s.name;
      baseUrl.value = s.baseUrl;
      name.focus();
    };
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      if (!name.validity.valid) return name.reportValidity();
      const body = { kind: kind.value, name: name.value.trim() };
      if (baseUrl.value.trim()) body.baseUrl = baseUrl.value.trim();
      if (apiKey.value) body.apiKey = apiKey.value;
      const created = await act(submit, this.status, () => api('POST', '/api/admin/connections', body));
      if (!created) return;
      apiKey.value = '';
      name.value = '';
      baseUrl.value = '';
      this.status.ok(`${created.name} added`);
      announce(`${created.name} added`);
      await this.load();
      await this.onChange?.();
    });
    return form;
  }

  async show() {
    await Promise.all([this.load(), this.suggest()]);
  }

  async suggest() {
    const found = await getJson('/api/admin/connections/suggestions').catch(() => ({ suggestions: [] }));
    this.suggestions.replaceChildren(
      ...found.suggestions.map((s) =>
        h(
          'p',
          { class: 'notice' },
          `${s.label} is running at ${s.baseUrl} (${s.models.length} models). `,
          h('button', { type: 'button', class: 'link-button', text: `Use ${s.label}`, on: { click: () => this.fill(s) } }),
        ),
      ),
    );
  }

  async load() {
    const rows = await act(null, this.status, () => getJson('/api/admin/connections'));
    if (!rows) return;
    this.list.replaceChildren(
      dataTable(
        'Connections',
        [
          { title: 'Name', cell: (c) => h('span', { class: 'cell-strong', text: c.name }) },
          { title: 'Kind', cell: (c) => c.kind },
          { title: 'Base URL', cell: (c) => h('code', { text: c.baseUrl ?? 'vendor default' }) },
          { title: 'Key', cell: (c) => h('code', { text: c.apiKeyMasked ?? '—' }) },
          { title: 'Enabled', cell: (c) => this.enabledBox(c) },
          { title: 'Source', cell: (c) => (c.readOnly ? 'environment (read-only)' : 'admin') },
          { title: 'Actions', cell: (c) => this.actions(c) },
        ],
        rows,
        'No connections: only the offline model answers.',
      ),
    );
  }

  enabledBox(c) {
    const box = h('input', { type: 'checkbox', checked: c.enabled, disabled: c.readOnly, 'aria-label': `${c.name} enabled` });
    box.addEventListener('change', async () => {
      const ok = await act(box, this.status, () =>
        api('PATCH', `/api/admin/connections/${encodeURIComponent(c.id)}`, { enabled: box.checked }),
      );
      if (!ok) box.checked = !box.checked;
      else {
        this.status.ok(`${c.name} ${box.checked ? 'enabled' : 'disabled'}`);
        await this.onChange?.();
      }
    });
    return box;
  }

  actions(c) {
    const result = h('span', { class: 'test-result', role: 'status' });
    const test = h('button', { type: 'button', text: 'Test', 'aria-label': `Test ${c.name}` });
    test.addEventListener('click', async () => {
      result.textContent = 'Testing…';
      const r = await act(test, this.status, () => api('POST', `/api/admin/connections/${encodeURIComponent(c.id)}/test`));
      if (!r) return (result.textContent = '');
      result.className = `test-result ${r.ok ? 'ok' : 'error'}`;
      result.textContent = r.ok
        ? `Reached in ${formatNumber(r.latencyMs)} ms · ${r.models.length} model${r.models.length === 1 ? '' : 's'}: ${r.models.slice(0, 5).join(', ')}${r.models.length > 5 ? '…' : ''}`
        : `Failed after ${formatNumber(r.latencyMs)} ms: ${describeError(r.error)}`;
    });
    const del = c.readOnly
      ? null
      : h('button', {
          type: 'button',
          class: 'danger',
          text: 'Delete',
          'aria-label': `Delete ${c.name}`,
          on: { click: () => this.remove(c) },
        });
    return h('div', { class: 'admin-actions' }, test, del, result);
  }

  async remove(c) {
    if (!(await confirmAction(`Delete the connection “${c.name}”? Its models stop answering at once.`))) return;
    const ok = await act(null, this.status, () => api('DELETE', `/api/admin/connections/${encodeURIComponent(c.id)}`).then(() => true));
    if (!ok) return;
    this.status.ok(`${c.name} deleted`);
    await this.load();
    await this.onChange?.();
  }
}
