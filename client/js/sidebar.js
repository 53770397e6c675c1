import { api } from './api.js';
import { ConversationActions, importFile } from './conversation-actions.js';
import { groupByDate } from './date-groups.js';
import { $, announce, confirmAction, h, promptText } from './dom.js';
import { describeError } from './errors.js';
import { navigate } from './router.js';

/**
 * The conversation list: grouped by date, searchable (server-side full text), paged on scroll,
 * with rename, share and download, delete; import and export of everything at its foot. Emits `confab:conversation-deleted` and `confab:conversation-renamed`.
 */
export class Sidebar {
  constructor() {
    this.list = $('conversation-list');
    this.search = $('search');
    this.items = [];
    this.nextCursor = null;
    this.currentId = null;
    this.loading = null;
    let timer = 0;
    this.search.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(() => this.refresh(), 200);
    });
    this.list.addEventListener('scroll', () => {
      if (this.nextCursor && this.list.scrollTop + this.list.clientHeight > this.list.scrollHeight - 80) this.loadMore();
    });
    this.setupCollapse();
    this.actions = new ConversationActions();
    this.setupPortability();
  }

  /** "Import" reads an export file from Confab, ChatGPT or Open WebUI; "Export all" downloads JSON Lines. */
  setupPortability() {
    const input = h('input', { type: 'file', id: 'import-file', accept: '.json,.jsonl,application/json', class: 'visually-hidden' });
    const status = h('p', { id: 'import-status', class: 'small', role: 'status', hidden: true });
    input.addEventListener('change', async () => {
      const [file] = input.files;
      if (!file) return;
      status.hidden = false;
      status.className = 'small muted';
      status.textContent = `Importing ${file.name}…`;
      try {
        const result = await importFile(file);
        const skipped = result.skipped.length ? `, ${result.skipped.length} already here` : '';
        status.textContent = `Imported ${result.imported.length} conversation${result.imported.length === 1 ? '' : 's'}${skipped}.`;
        await this.refresh();
      } catch (err) {
        status.className = 'small error';
        status.textContent = describeError(err);
      }
      input.value = '';
    });
    const foot = this.list.parentElement.querySelector('.sidebar-foot');
    foot.before(
      h(
        'div',
        { class: 'portability small' },
        h('label', { for: 'import-file', class: 'link-button', text: 'Import' }),
        input,
        h('a', { href: '/api/conversations/export', id: 'export-all', download: '', text: 'Export all' }),
        status,
      ),
    );
  }

  setupCollapse() {
    const app = $('app');
    const toggle = $('open-sidebar');
    const set = (open) => {
      app.classList.toggle('sidebar-open', open);
      toggle.setAttribute('aria-expanded', String(open));
      if (open) this.search.focus();
    };
    toggle.addEventListener('click', () => set(true));
    $('close-sidebar').addEventListener('click', () => (set(false), toggle.focus()));
    $('scrim').addEventListener('click', () => set(false));
    document.addEventListener('keydown', (e) => e.key === 'Escape' && app.classList.contains('sidebar-open') && set(false));
    window.addEventListener('confab:route', () => set(false));
  }

  query() {
    const q = this.search.value.trim();
    const params = new URLSearchParams({ limit: '30' });
    if (q) params.set('q', q);
    return params;
  }

  async refresh() {
    const params = this.query();
    const page = await api('GET', `/api/conversations?${params}`);
    if (params.toString() !== this.query().toString()) return;
    this.items = page.items;
    this.nextCursor = page.nextCursor;
    this.render();
  }

  async loadMore() {
    if (this.loading) return;
    const params = this.query();
    params.set('cursor', this.nextCursor);
    this.loading = api('GET', `/api/conversations?${params}`)
      .then((page) => {
        this.items.push(...page.items);
        this.nextCursor = page.nextCursor;
        this.render();
      })
      .finally(() => (this.loading = null));
  }

  setCurrent(id) {
    this.currentId = id;
    for (const row of this.list.querySelectorAll('.conversation')) {
      const current = row.dataset.id === id;
      row.toggleAttribute('aria-current', false);
      if (current) row.setAttribute('aria-current', 'page');
      row.querySelector('a').toggleAttribute('aria-current', false);
      if (current) row.querySelector('a').setAttribute('aria-current', 'page');
    }
  }

  /** Puts a conversation at the top (a new one, or one that just got a message or a title). */
  upsert(conversation) {
    this.items = [conversation, ...this.items.filter((c) => c.id !== conversation.id)];
    this.render();
  }

  render() {
    const groups = groupByDate(this.items);
    if (groups.length === 0) {
      const text = this.search.value.trim() ? 'No conversations match.' : 'No conversations yet.';
      this.list.replaceChildren(h('p', { class: 'muted small list-empty', text }));
      return;
    }
    this.list.replaceChildren(
      ...groups.map((g) => {
        const id = `group-${g.label.replace(/\W+/g, '-').toLowerCase()}`;
        return h(
          'section',
          { 'aria-labelledby': id },
          h('h2', { id, text: g.label }),
          h(
            'ul',
            {},
            g.items.map((c) => this.row(c)),
          ),
        );
      }),
    );
    this.setCurrent(this.currentId);
  }

  row(c) {
    const title = c.title || 'New chat';
    return h(
      'li',
      { class: 'conversation', dataset: { id: c.id } },
      h('a', { href: `/c/${c.id}`, 'data-link': true, text: title, title }),
      h(
        'span',
        { class: 'row-actions' },
        h('button', { type: 'button', 'aria-label': `Rename “${title}”`, title: 'Rename', text: '✎', on: { click: () => this.rename(c) } }),
        h('button', {
          type: 'button',
          'aria-label': `Share or download “${title}”`,
          title: 'Share or download',
          text: '⋯',
          on: { click: () => this.actions.open(c) },
        }),
        h('button', { type: 'button', 'aria-label': `Delete “${title}”`, title: 'Delete', text: '✕', on: { click: () => this.remove(c) } }),
      ),
    );
  }

  async rename(c) {
    const title = await promptText('Rename conversation', c.title);
    if (!title || title === c.title) return;
    const updated = await api('PATCH', `/api/conversations/${c.id}`, { title });
    Object.assign(c, updated);
    this.render();
    announce(`Renamed to ${title}`);
    window.dispatchEvent(new CustomEvent('confab:conversation-renamed', { detail: updated }));
  }

  async remove(c) {
    if (!(await confirmAction(`Delete “${c.title || 'New chat'}”? This cannot be undone.`))) return;
    await api('DELETE', `/api/conversations/${c.id}`);
    this.items = this.items.filter((x) => x.id !== c.id);
    this.render();
    announce('Conversation deleted');
    window.dispatchEvent(new CustomEvent('confab:conversation-deleted', { detail: { id: c.id } }));
    if (this.currentId === c.id) navigate('/', { replace: true });
  }
}
