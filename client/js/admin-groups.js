import { act, dataTable, describeLimits, getJson, limitsFieldset, openDialog, statusLine } from './admin-common.js';
import { api } from './api.js';
import { announce, confirmAction, h } from './dom.js';

/** Groups: name, members and limits; model access names groups on the Models tab. */
export class AdminGroups {
  constructor() {
    this.status = statusLine();
    this.list = h('div', {});
    const name = h('input', { id: 'new-group-name', required: true, maxlength: 100, placeholder: 'e.g. research', autocomplete: 'off' });
    const submit = h('button', { type: 'submit', class: 'primary', text: 'Add group' });
    const form = h(
      'form',
      { class: 'inline-form', 'aria-label': 'Add a group' },
      h('label', { for: 'new-group-name', text: 'Name' }),
      name,
      submit,
    );
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      if (!name.value.trim()) return name.focus();
      const group = await act(submit, this.status, () => api('POST', '/api/admin/groups', { name: name.value.trim() }));
      if (!group) return;
      name.value = '';
      await this.show();
      this.status.ok(`Group ${group.name} added`);
    });
    this.root = h(
      'section',
      { 'aria-labelledby': 'admin-groups-title' },
      h('h2', { id: 'admin-groups-title', text: 'Groups' }),
      h('p', {
        class: 'muted small',
        text: 'Members get the most generous limits among their groups, unless their own limits say otherwise.',
      }),
      form,
      this.status.el,
      this.list,
    );
  }

  async show() {
    const [groups, { users }] = await Promise.all([getJson('/api/admin/groups'), getJson('/api/admin/users?limit=200')]);
    this.users = users;
    const email = new Map(users.map((u) => [u.id, u.email]));
    this.list.replaceChildren(
      dataTable(
        'Groups',
        [
          { title: 'Name', cell: (g) => h('span', { class: 'cell-strong', text: g.name }) },
          { title: 'Members', cell: (g) => g.members.map((id) => email.get(id) ?? id).join(', ') || '—' },
          { title: 'Limits', cell: (g) => describeLimits(g.limits) },
          {
            title: 'Actions',
            cell: (g) =>
              h(
                'div',
                { class: 'admin-actions' },
                h('button', { type: 'button', text: 'Edit', 'aria-label': `Edit ${g.name}`, on: { click: () => this.edit(g) } }),
                h('button', {
                  type: 'button',
                  class: 'danger',
                  text: 'Delete',
                  'aria-label': `Delete ${g.name}`,
                  on: { click: () => this.remove(g) },
                }),
              ),
          },
        ],
        groups,
        'No groups yet.',
      ),
    );
  }

  async edit(group) {
    const name = h('input', { id: 'group-name', value: group.name, required: true, maxlength: 100 });
    const members = new Set(group.members);
    const boxes = this.users.map((u) => ({
      id: u.id,
      box: h('input', { type: 'checkbox', id: `gm-${u.id}`, checked: members.has(u.id) }),
      email: u.email,
    }));
    const limits = limitsFieldset('group-limits', group.limits);
    const body = h(
      'div',
      { class: 'dialog-fields' },
      h('label', { for: 'group-name' }, h('span', { text: 'Name' }), name),
      h(
        'fieldset',
        { class: 'checkbox-list' },
        h('legend', { text: 'Members' }),
        boxes.map((b) => h('div', {}, b.box, ' ', h('label', { for: b.box.id, text: b.email }))),
      ),
      limits.fieldset,
    );
    if (!(await openDialog(`Edit group ${group.name}`, body))) return;
    const updated = await act(null, this.status, () =>
      api('PATCH', `/api/admin/groups/${group.id}`, {
        name: name.value.trim() || group.name,
        members: boxes.filter((b) => b.box.checked).map((b) => b.id),
        limits: limits.read(),
      }),
    );
    if (!updated) return;
    // Said once the list shows the change, so "saved" never sits above the old row.
    await this.show();
    this.status.ok(`Group ${updated.name} saved`);
    announce(`Group ${updated.name} saved`);
  }

  async remove(group) {
    if (!(await confirmAction(`Delete the group “${group.name}”? Its members lose what it granted.`))) return;
    const ok = await act(null, this.status, () => api('DELETE', `/api/admin/groups/${group.id}`).then(() => true));
    if (ok) await this.show();
  }
}
