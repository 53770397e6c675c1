import { act, dataTable, statusLine } from './admin-common.js';
import { api } from './api.js';
import { announce, confirmAction, h } from './dom.js';
import { navigate } from './router.js';

/** Presets in Settings: save a set-up, start a chat from one, delete; admins publish to everyone. */
export class PresetsSection {
  constructor({ options, isAdmin, onStart }) {
    this.options = options;
    this.onStart = onStart;
    this.isAdmin = isAdmin;
    this.status = statusLine();
    this.list = h('div', {});
    const name = h('input', { id: 'preset-name', required: true, maxlength: 100, placeholder: 'e.g. Translator', autocomplete: 'off' });
    const model = h('select', { id: 'preset-model' });
    const prompt = h('textarea', { id: 'preset-prompt', rows: 3, maxlength: 20000, placeholder: 'Instructions' });
    const publish = h('input', { type: 'checkbox', id: 'preset-published' });
    const submit = h('button', { type: 'submit', class: 'primary', text: 'Save preset' });
    this.model = model;
    const form = h(
      'form',
      { class: 'stack-form', 'aria-label': 'Save a preset' },
      h('label', { for: 'preset-name' }, h('span', { text: 'Name' }), name),
      h('label', { for: 'preset-model' }, h('span', { text: 'Model' }), model),
      h('label', { for: 'preset-prompt' }, h('span', { text: 'Instructions' }), prompt),
      isAdmin ? h('label', { class: 'check', for: 'preset-published' }, publish, ' Offer it to everyone on this server') : null,
      h('div', {}, submit),
    );
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      if (!name.value.trim()) return name.focus();
      const body = {
        name: name.value.trim(),
        model: model.value || null,
        systemPrompt: prompt.value.trim() || null,
        plugins: this.options.selectedPlugins(),
      };
      if (isAdmin) body.published = publish.checked;
      const saved = await act(submit, this.status, () => api('POST', '/api/presets', body));
      if (!saved) return;
      name.value = '';
      prompt.value = '';
      this.status.ok(`Preset ${saved.name} saved`);
      await this.load();
    });
    this.root = h(
      'section',
      { 'aria-labelledby': 'presets-title' },
      h('h2', { id: 'presets-title', text: 'Presets' }),
      h('p', { class: 'muted small', text: 'A preset starts a chat with its model, instructions and the tools ticked when you saved it.' }),
      form,
      this.status.el,
      this.list,
    );
  }

  async load() {
    this.model.replaceChildren(
      h('option', { value: '', text: 'Your default model' }),
      ...(this.options.models ?? []).map((m) => h('option', { value: m.id, text: m.id })),
    );
    const { presets } = await api('GET', '/api/presets');
    this.list.replaceChildren(
      dataTable(
        'Presets',
        [
          { title: 'Name', cell: (p) => h('span', { class: 'cell-strong', text: p.name }) },
          { title: 'Model', cell: (p) => p.model ?? 'default' },
          { title: 'Instructions', cell: (p) => p.systemPrompt ?? '—' },
          { title: 'Shared', cell: (p) => (p.published ? (p.mine ? 'everyone' : 'from an admin') : 'only you') },
          {
            title: 'Actions',
            cell: (p) =>
              h(
                'div',
                { class: 'admin-actions' },
                h('button', {
                  type: 'button',
                  class: 'primary',
                  text: 'Start chat',
                  'aria-label': `Start a chat with ${p.name}`,
                  on: { click: () => this.start(p) },
                }),
                p.mine
                  ? h('button', {
                      type: 'button',
                      class: 'danger',
                      text: 'Delete',
                      'aria-label': `Delete ${p.name}`,
                      on: { click: () => this.remove(p) },
                    })
                  : null,
              ),
          },
        ],
        presets,
        'No presets yet.',
      ),
    );
  }

  async start(preset) {
    const conversation = await act(null, this.status, () => api('POST', '/api/conversations', { presetId: preset.id, title: preset.name }));
    if (!conversation) return;
    this.onStart?.(conversation);
    announce(`Chat started with ${preset.name}`);
    navigate(`/c/${conversation.id}`);
  }

  async remove(preset) {
    if (!(await confirmAction(`Delete the preset “${preset.name}”?`))) return;
    const ok = await act(null, this.status, () => api('DELETE', `/api/presets/${preset.id}`).then(() => true));
    if (ok) await this.load();
  }
}
