import { act, dataTable, getJson, statusLine, usd } from './admin-common.js';
import { api } from './api.js';
import { announce, h } from './dom.js';

const splitList = (text) => [
  ...new Set(
    text
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  ),
];

/** Models: enable, display name, who may use them (roles, groups), price, and the default. */
export class AdminModels {
  constructor({ onChange }) {
    this.onChange = onChange;
    this.status = statusLine();
    this.list = h('div', {});
    this.root = h(
      'section',
      { 'aria-labelledby': 'admin-models-title' },
      h('h2', { id: 'admin-models-title', text: 'Models' }),
      h('p', {
        class: 'muted small',
        text: 'A model with no roles and no groups listed is open to everyone. Otherwise only the listed roles and members of the listed groups see and use it. Prices feed usage cost (USD per million tokens).',
      }),
      this.status.el,
      this.list,
    );
  }

  async show() {
    const [{ models }, groups] = await Promise.all([getJson('/api/admin/models'), getJson('/api/admin/groups')]);
    this.groupNames = groups.map((g) => g.name);
    this.list.replaceChildren(
      dataTable(
        'Models',
        [
          {
            title: 'Model',
            cell: (m) =>
              h(
                'div',
                {},
                h('code', { class: 'cell-strong', text: m.id }),
                m.isDefault ? h('span', { class: 'badge', text: 'default' }) : null,
              ),
          },
          { title: 'Settings', cell: (m) => this.editor(m) },
        ],
        models,
      ),
    );
  }

  editor(m) {
    const key = m.id.replace(/[^a-z0-9]/gi, '-');
    const enabled = h('input', { type: 'checkbox', id: `m-${key}-enabled`, checked: m.enabled });
    const name = h('input', { id: `m-${key}-name`, value: m.displayName ?? '', placeholder: m.id, maxlength: 100 });
    const roles = ['admin', 'user'].map((r) => ({
      r,
      box: h('input', { type: 'checkbox', id: `m-${key}-role-${r}`, checked: m.access?.roles?.includes(r) ?? false }),
    }));
    const groups = h('input', {
      id: `m-${key}-groups`,
      value: (m.access?.groups ?? []).join(', '),
      placeholder: this.groupNames.length ? `e.g. ${this.groupNames[0]}` : 'group names, comma-separated',
      list: 'admin-group-names',
      autocomplete: 'off',
    });
    const priceIn = h('input', {
      id: `m-${key}-in`,
      type: 'number',
      min: 0,
      step: 0.01,
      value: m.priceSource === 'admin' ? m.price.inputPerMTok : '',
      placeholder: m.price ? String(m.price.inputPerMTok) : 'unknown',
    });
    const priceOut = h('input', {
      id: `m-${key}-out`,
      type: 'number',
      min: 0,
      step: 0.01,
      value: m.priceSource === 'admin' ? m.price.outputPerMTok : '',
      placeholder: m.price ? String(m.price.outputPerMTok) : 'unknown',
    });
    const save = h('button', { type: 'submit', class: 'primary', text: 'Save', 'aria-label': `Save ${m.id}` });
    const makeDefault = h('button', {
      type: 'button',
      text: 'Make default',
      disabled: m.isDefault,
      'aria-label': `Make ${m.id} the default`,
      on: { click: () => this.makeDefault(m, makeDefault) },
    });
    const form = h(
      'form',
      { class: 'model-form', 'aria-label': `Settings of ${m.id}` },
      h('label', { class: 'check', for: enabled.id }, enabled, ' Enabled'),
      h('label', { for: name.id }, h('span', { text: 'Display name' }), name),
      h(
        'fieldset',
        { class: 'inline-checks' },
        h('legend', { text: 'Roles' }),
        roles.map(({ r, box }) => h('label', { for: box.id, class: 'check' }, box, ` ${r}`)),
      ),
      h('label', { for: groups.id }, h('span', { text: 'Groups' }), groups),
      h('label', { for: priceIn.id }, h('span', { text: 'Input $/M tokens' }), priceIn),
      h('label', { for: priceOut.id }, h('span', { text: 'Output $/M tokens' }), priceOut),
      h('p', {
        class: 'muted small',
        text: m.price
          ? `Current price: ${usd(m.price.inputPerMTok)} in, ${usd(m.price.outputPerMTok)} out (${m.priceSource === 'admin' ? 'set here' : 'list price'})`
          : 'No known price: cost counts as 0.',
      }),
      h('div', { class: 'admin-actions' }, save, makeDefault),
    );
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const access = { roles: roles.filter((x) => x.box.checked).map((x) => x.r), groups: splitList(groups.value) };
      const hasPrice = priceIn.value !== '' || priceOut.value !== '';
      const body = {
        enabled: enabled.checked,
        displayName: name.value.trim() || null,
        access: access.roles.length || access.groups.length ? access : null,
        price: hasPrice ? { inputPerMTok: Number(priceIn.value || 0), outputPerMTok: Number(priceOut.value || 0) } : null,
      };
      const updated = await act(save, this.status, () => api('PATCH', `/api/admin/models/${encodeURIComponent(m.id)}`, body));
      if (!updated) return;
      this.status.ok(`${m.id} saved`);
      announce(`${m.id} saved`);
      await this.onChange?.();
    });
    return form;
  }

  async makeDefault(m, button) {
    const ok = await act(button, this.status, () => api('PATCH', '/api/admin/settings', { defaultModel: m.id }));
    if (!ok) return;
    await this.show();
    this.status.ok(`${m.id} is the default model`);
    await this.onChange?.();
  }
}
