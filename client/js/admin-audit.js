import { act, dataTable, getJson, statusLine, when } from './admin-common.js';
import { h } from './dom.js';

/** The audit log, newest first: who did what, when, from where, and what changed. */
export class AdminAudit {
  constructor() {
    this.status = statusLine();
    this.list = h('div', {});
    this.action = h('input', { id: 'audit-action', placeholder: 'e.g. user. or auth.login_failed', autocomplete: 'off' });
    this.actor = h('input', { id: 'audit-actor', placeholder: 'email or id', autocomplete: 'off' });
    this.more = h('button', { type: 'button', hidden: true, text: 'Show older', on: { click: () => this.load(true) } });
    const form = h(
      'form',
      { class: 'admin-filters', 'aria-label': 'Filter the audit log' },
      h('label', { for: 'audit-action' }, h('span', { text: 'Action' }), this.action),
      h('label', { for: 'audit-actor' }, h('span', { text: 'Actor' }), this.actor),
      h('button', { type: 'submit', text: 'Filter' }),
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.load();
    });
    this.root = h(
      'section',
      { 'aria-labelledby': 'admin-audit-title' },
      h('h2', { id: 'admin-audit-title', text: 'Audit log' }),
      form,
      this.status.el,
      this.list,
      this.more,
    );
  }

  async show() {
    await this.load();
  }

  async load(more = false) {
    const params = new URLSearchParams({ limit: '50' });
    if (this.action.value.trim()) params.set('action', this.action.value.trim());
    if (this.actor.value.trim()) params.set('actor', this.actor.value.trim());
    if (more && this.cursor) params.set('cursor', this.cursor);
    const page = await act(null, this.status, () => getJson(`/api/admin/audit?${params}`));
    if (!page) return;
    this.status.clear();
    this.entries = more ? [...this.entries, ...page.entries] : page.entries;
    this.cursor = page.nextCursor;
    this.more.hidden = !page.nextCursor;
    this.list.replaceChildren(
      dataTable(
        'Audit log',
        [
          { title: 'When', cell: (e) => when(e.at) },
          { title: 'Who', cell: (e) => e.actorEmail ?? '—' },
          { title: 'Action', cell: (e) => h('code', { text: e.action }) },
          { title: 'Target', cell: (e) => e.target ?? '—' },
          { title: 'From', cell: (e) => e.address ?? '—' },
          { title: 'Details', cell: (e) => (e.details == null ? '—' : h('code', { class: 'details', text: JSON.stringify(e.details) })) },
        ],
        this.entries,
        'No entries match.',
      ),
    );
  }
}
