import { api } from './api.js';
import { ConversationActions, importFile, SharesDialog } from './conversation-actions.js';
import { groupByDate } from './date-groups.js';
import { $, announce, confirmAction, h, promptText } from './dom.js';
import { describeError } from './errors.js';
import { navigate } from './router.js';
import { FolderBar, makeDraggable } from './sidebar-organise.js';

/**
 * The conversation list: grouped by date, searchable (server-side full text), paged on scroll,
 * with pinned ones on top, folders and the archive above it (`FolderBar`), rename, pin, archive,
 * share and download, delete (one or several); import and export of everything at its foot. Emits `confab:conversation-deleted` and `confab:conversation-renamed`.
 */
export class Sidebar {
  constructor() {
    this.list = $('conversation-list');
    this.search = $('search');
    this.items = [];
    this.pinned = [];
    /** `{}` for every chat, `{folderId}` for one folder, `{archived: true}` for the archive. */
    this.filter = {};
    this.selecting = false;
    this.selected = new Set();
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
    this.folderBar = new FolderBar(this);
  }

  setFilter(filter) {
    this.filter = filter;
    this.folderBar.render();
    return this.refresh();
  }

  /** Pinned conversations get their own group on top of the plain list (not in search, a folder or the archive). */
  showsPinnedGroup() {
    return !this.search.value.trim() && !this.filter.folderId && !this.filter.archived;
  }

  /** "Import" reads an export file from Confab, ChatGPT or Open WebUI; "Export all" downloads JSON Lines. */
  setupPortability() {
    const shares = new SharesDialog();
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
        h('a', { href: '/api/conversations/export?format=zip', id: 'export-zip', download: '', text: 'as zip' }),
        h('button', { type: 'button', class: 'link-button', id: 'shared-links', text: 'Shared links', on: { click: () => shares.open() } }),
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
    if (this.filter.folderId) params.set('folderId', this.filter.folderId);
    if (this.filter.archived) params.set('archived', 'true');
    if (this.showsPinnedGroup()) params.set('pinned', 'false');
    return params;
  }

  async refresh() {
    const params = this.query();
    const pinned = this.showsPinnedGroup() ? api('GET', '/api/conversations?pinned=true&limit=100') : Promise.resolve({ items: [] });
    const [page, top] = await Promise.all([api('GET', `/api/conversations?${params}`), pinned, this.folderBar.load()]);
    if (params.toString() !== this.query().toString()) return;
    this.items = page.items;
    this.pinned = top.items;
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
    const pinned = this.pinned.find((c) => c.id === conversation.id);
    if (pinned) Object.assign(pinned, conversation);
    else this.items = [conversation, ...this.items.filter((c) => c.id !== conversation.id)];
    this.render();
  }

  /** Every conversation the sidebar holds, pinned ones included. */
  all() {
    return [...this.pinned, ...this.items];
  }

  render() {
    const pinned = this.pinned.length ? [{ label: 'Pinned', items: this.pinned }] : [];
    const groups = [...pinned, ...groupByDate(this.items)];
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
    const select =
      this.selecting &&
      h('input', {
        type: 'checkbox',
        class: 'select-row',
        'aria-label': `Select “${title}”`,
        checked: this.selected.has(c.id),
        on: { change: (e) => (e.target.checked ? this.selected.add(c.id) : this.selected.delete(c.id), this.folderBar.render()) },
      });
    const row = h(
      'li',
      { class: 'conversation', dataset: { id: c.id } },
      select,
      h('a', { href: `/c/${c.id}`, 'data-link': true, text: title, title }),
      h(
        'span',
        { class: 'row-actions' },
        h('button', {
          type: 'button',
          'aria-label': `${c.pinned ? 'Unpin' : 'Pin'} “${title}”`,
          title: c.pinned ? 'Unpin' : 'Pin',
          'aria-pressed': String(c.pinned),
          text: '📌',
          on: { click: () => this.patch(c, { pinned: !c.pinned }, c.pinned ? 'Unpinned' : 'Pinned') },
        }),
        h('button', {
          type: 'button',
          'aria-label': `${c.archived ? 'Restore' : 'Archive'} “${title}”`,
          title: c.archived ? 'Restore' : 'Archive',
          text: c.archived ? '↩' : '🗄',
          on: { click: () => this.patch(c, { archived: !c.archived }, c.archived ? 'Restored' : 'Archived') },
        }),
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
    makeDraggable(row, c.id);
    return row;
  }

  async patch(c, change, done) {
    await api('PATCH', `/api/conversations/${c.id}`, change);
    announce(done);
    await this.refresh();
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
    this.pinned = this.pinned.filter((x) => x.id !== c.id);
    this.render();
    announce('Conversation deleted');
    window.dispatchEvent(new CustomEvent('confab:conversation-deleted', { detail: { id: c.id } }));
    if (this.currentId === c.id) navigate('/', { replace: true });
  }
}
