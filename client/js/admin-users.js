import { act, dataTable, describeLimits, getJson, limitsFieldset, openDialog, shownOnce, statusLine, usd, when } from './admin-common.js';
import { api } from './api.js';
import { announce, confirmAction, formatNumber, h } from './dom.js';

const STATUS_TEXT = { active: 'Active', pending: 'Waiting for approval', disabled: 'Disabled' };

/** Users: search and filters, approve, disable, role, groups and limits, reset links, add and delete. */
export class AdminUsers {
  constructor() {
    this.status = statusLine();
    this.created = h('div', { 'aria-live': 'polite' });
    this.list = h('div', {});
    this.more = h('button', { type: 'button', hidden: true, text: 'Show more', on: { click: () => this.load(true) } });
    this.q = h('input', { type: 'search', id: 'user-search', placeholder: 'Search by email', autocomplete: 'off' });
    this.statusFilter = h(
      'select',
      { id: 'user-status-filter' },
      h('option', { value: '', text: 'Any status' }),
      Object.entries(STATUS_TEXT).map(([v, t]) => h('option', { value: v, text: t })),
    );
    this.roleFilter = h(
      'select',
      { id: 'user-role-filter' },
      h('option', { value: '', text: 'Any role' }),
      h('option', { value: 'admin', text: 'Admins' }),
      h('option', { value: 'user', text: 'Users' }),
    );
    let timer = 0;
    this.q.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(() => this.load(), 250);
    });
    for (const f of [this.statusFilter, this.roleFilter]) f.addEventListener('change', () => this.load());
    this.root = h(
      'section',
      { 'aria-labelledby': 'admin-users-title' },
      h('h2', { id: 'admin-users-title', text: 'Users' }),
      this.addForm(),
      this.created,
      h(
        'div',
        { class: 'admin-filters' },
        h('label', { class: 'visually-hidden', for: 'user-search', text: 'Search users' }),
        this.q,
        h('label', { class: 'visually-hidden', for: 'user-status-filter', text: 'Status' }),
        this.statusFilter,
        h('label', { class: 'visually-hidden', for: 'user-role-filter', text: 'Role' }),
        this.roleFilter,
      ),
      this.status.el,
      this.list,
      this.more,
    );
  }

  addForm() {
    const email = h('input', { id: 'new-user-email', type: 'email', required: true, placeholder: 'name@example.com', autocomplete: 'off' });
    const role = h(
      'select',
      { id: 'new-user-role' },
      h('option', { value: 'user', text: 'User' }),
      h('option', { value: 'admin', text: 'Admin' }),
    );
    const password = h('input', {
      id: 'new-user-password',
      type: 'password',
      minlength: 8,
      placeholder: 'optional: leave empty to get a link',
      autocomplete: 'new-password',
    });
    const submit = h('button', { type: 'submit', class: 'primary', text: 'Add user' });
    const form = h(
      'form',
      { class: 'admin-filters', 'aria-label': 'Add a user' },
      h('label', { for: 'new-user-email' }, h('span', { text: 'Email' }), email),
      h('label', { for: 'new-user-role' }, h('span', { text: 'Role' }), role),
      h('label', { for: 'new-user-password' }, h('span', { text: 'Password' }), password),
      submit,
    );
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      if (!email.validity.valid) return email.reportValidity();
      const body = { email: email.value.trim(), role: role.value };
      if (password.value) body.password = password.value;
      const created = await act(submit, this.status, () => api('POST', '/api/admin/users', body));
      if (!created) return;
      email.value = '';
      password.value = '';
      this.created.replaceChildren(
        created.passwordLink
          ? shownOnce(
              `${created.user.email} added. Send them this link to set their password; it works once, until ${when(created.passwordLink.expiresAt)}, and is not shown again.`,
              created.passwordLink.url,
            )
          : h('p', { class: 'admin-status ok', text: `${created.user.email} added; they can log in with the password you set.` }),
      );
      await this.load();
    });
    return form;
  }

  async show() {
    await this.load();
  }

  query(cursor) {
    const params = new URLSearchParams();
    if (this.q.value.trim()) params.set('q', this.q.value.trim());
    if (this.statusFilter.value) params.set('status', this.statusFilter.value);
    if (this.roleFilter.value) params.set('role', this.roleFilter.value);
    if (cursor) params.set('cursor', cursor);
    return `/api/admin/users?${params}`;
  }

  async load(more = false) {
    const page = await act(null, this.status, () => getJson(this.query(more ? this.cursor : undefined)));
    if (!page) return;
    this.rows = more ? [...this.rows, ...page.users] : page.users;
    this.cursor = page.nextCursor;
    this.more.hidden = !page.nextCursor;
    this.render();
  }

  render() {
    this.list.replaceChildren(
      dataTable(
        'Users',
        [
          { title: 'Email', cell: (u) => h('span', { class: 'cell-strong', text: u.email }) },
          { title: 'Role', cell: (u) => this.roleSelect(u) },
          { title: 'Status', cell: (u) => h('span', { class: `badge status-${u.status}`, text: STATUS_TEXT[u.status] }) },
          { title: 'Groups', cell: (u) => u.groups.map((g) => g.name).join(', ') || '—' },
          {
            title: 'This month',
            cell: (u) => `${formatNumber(u.usageThisMonth.tokens)} tokens · ${usd(u.usageThisMonth.costUsd)}`,
          },
          { title: 'Last login', cell: (u) => when(u.lastLoginAt) },
          { title: 'Actions', cell: (u) => this.actions(u) },
        ],
        this.rows,
        'No user matches.',
      ),
    );
  }

  roleSelect(user) {
    const select = h(
      'select',
      { 'aria-label': `Role of ${user.email}` },
      h('option', { value: 'user', text: 'User', selected: user.role === 'user' }),
      h('option', { value: 'admin', text: 'Admin', selected: user.role === 'admin' }),
    );
    select.addEventListener('change', async () => {
      const ok = await this.patch(user, { role: select.value }, `${user.email} is now ${select.value === 'admin' ? 'an admin' : 'a user'}`);
      if (!ok) select.value = user.role;
    });
    return select;
  }

  actions(user) {
    const buttons = [];
    const button = (text, label, onClick, cls) =>
      h('button', { type: 'button', class: cls, text, 'aria-label': `${label} ${user.email}`, on: { click: onClick } });
    if (user.status === 'pending')
      buttons.push(button('Approve', 'Approve', () => this.patch(user, { status: 'active' }, `${user.email} approved`), 'primary'));
    if (user.status === 'active') buttons.push(button('Disable', 'Disable', () => this.disable(user)));
    if (user.status === 'disabled')
      buttons.push(button('Enable', 'Enable', () => this.patch(user, { status: 'active' }, `${user.email} enabled`)));
    buttons.push(button('Groups & limits', 'Groups and limits of', () => this.edit(user)));
    buttons.push(button('Reset link', 'Password reset link for', () => this.resetLink(user)));
    buttons.push(button('Delete', 'Delete', () => this.remove(user), 'danger'));
    return h('div', { class: 'admin-actions' }, buttons);
  }

  async patch(user, body, done) {
    const updated = await act(null, this.status, () => api('PATCH', `/api/admin/users/${user.id}`, body));
    if (!updated) return false;
    this.rows = this.rows.map((u) => (u.id === updated.id ? { ...u, ...updated } : u));
    this.render();
    this.status.ok(done);
    announce(done);
    return true;
  }

  async disable(user) {
    if (!(await confirmAction(`Disable ${user.email}? Their sessions, API keys and open chats end at once.`, 'Disable'))) return;
    await this.patch(user, { status: 'disabled' }, `${user.email} disabled`);
  }

  async edit(user) {
    const { groups } = { groups: await getJson('/api/admin/groups') };
    const member = new Set(user.groups.map((g) => g.id));
    const boxes = groups.map((g) => {
      const id = `member-${g.id}`;
      return {
        id: g.id,
        box: h('input', { type: 'checkbox', id, checked: member.has(g.id) }),
        label: h('label', { for: id, text: g.name }),
      };
    });
    const limits = limitsFieldset('user-limits', user.limits);
    const body = h(
      'div',
      { class: 'dialog-fields' },
      h('p', { class: 'muted small', text: user.email }),
      h(
        'fieldset',
        { class: 'checkbox-list' },
        h('legend', { text: 'Groups' }),
        boxes.length ? boxes.map((b) => h('div', {}, b.box, ' ', b.label)) : h('p', { class: 'muted', text: 'No groups yet.' }),
      ),
      limits.fieldset,
      h('p', {
        class: 'muted small',
        text: 'A user’s own limits win over their groups’ (the most generous group counts) and the default.',
      }),
    );
    if (!(await openDialog(`Groups and limits of ${user.email}`, body))) return;
    await this.patch(
      user,
      { groups: boxes.filter((b) => b.box.checked).map((b) => b.id), limits: limits.read() },
      `${user.email}: groups and limits saved (${describeLimits(limits.read())})`,
    );
  }

  async resetLink(user) {
    const link = await act(null, this.status, () => api('POST', `/api/admin/users/${user.id}/password-link`));
    if (!link) return;
    this.created.replaceChildren(
      shownOnce(`Password reset link for ${user.email}: it works once, until ${when(link.expiresAt)}, and is not shown again.`, link.url),
    );
  }

  async remove(user) {
    if (!(await confirmAction(`Delete ${user.email} with their conversations, documents, keys and usage? This cannot be undone.`))) return;
    const ok = await act(null, this.status, () => api('DELETE', `/api/admin/users/${user.id}`).then(() => true));
    if (!ok) return;
    this.status.ok(`${user.email} deleted`);
    await this.load();
  }
}
