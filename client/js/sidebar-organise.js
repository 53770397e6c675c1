import { api } from './api.js';
import { announce, confirmAction, h, promptText } from './dom.js';

const DRAG_TYPE = 'application/x-confab-conversation';

/** Lets a conversation row be dragged onto a folder. */
export function makeDraggable(row, id) {
  row.draggable = true;
  row.addEventListener('dragstart', (e) => {
    e.dataTransfer.setData(DRAG_TYPE, id);
    e.dataTransfer.effectAllowed = 'move';
  });
}

/**
 * Above the conversation list: "All chats", the folders (each a filter and a drop target),
 * "Archived", a new-folder button and the multi-select switch, with the bar that deletes what
 * is selected. It tells the sidebar to fetch its list again after each change.
 */
export class FolderBar {
  constructor(sidebar) {
    this.sidebar = sidebar;
    this.folders = [];
    this.root = h('nav', { class: 'folder-bar small', 'aria-label': 'Folders' });
    this.selectBar = h('div', { class: 'select-bar small', hidden: true });
    sidebar.list.before(this.root, this.selectBar);
  }

  async load() {
    this.folders = (await api('GET', '/api/folders')).items;
    this.render();
  }

  filterButton(label, filter, { folder, dropFolderId } = {}) {
    const current = JSON.stringify(this.sidebar.filter) === JSON.stringify(filter);
    const button = h('button', {
      type: 'button',
      class: 'folder',
      'aria-pressed': String(current),
      dataset: folder ? { folderId: folder.id } : {},
      text: label,
      on: { click: () => this.sidebar.setFilter(filter) },
    });
    if (dropFolderId !== undefined) {
      button.addEventListener(
        'dragover',
        (e) => e.dataTransfer.types.includes(DRAG_TYPE) && (e.preventDefault(), button.classList.add('drop')),
      );
      button.addEventListener('dragleave', () => button.classList.remove('drop'));
      button.addEventListener('drop', (e) => {
        e.preventDefault();
        button.classList.remove('drop');
        this.file(e.dataTransfer.getData(DRAG_TYPE), dropFolderId, label);
      });
    }
    return button;
  }

  render() {
    const folderItems = this.folders.map((f) =>
      h(
        'span',
        { class: 'folder-item' },
        this.filterButton(`${f.name} (${f.conversations})`, { folderId: f.id }, { folder: f, dropFolderId: f.id }),
        h('button', {
          type: 'button',
          class: 'link-button',
          'aria-label': `Delete folder “${f.name}”`,
          title: 'Delete folder',
          text: '✕',
          on: { click: () => this.remove(f) },
        }),
      ),
    );
    this.root.replaceChildren(
      this.filterButton('All chats', {}, { dropFolderId: null }),
      ...folderItems,
      this.filterButton('Archived', { archived: true }),
      h('button', { type: 'button', class: 'link-button', id: 'new-folder', text: '+ Folder', on: { click: () => this.create() } }),
      h('button', {
        type: 'button',
        class: 'link-button',
        id: 'select-mode',
        'aria-pressed': String(this.sidebar.selecting),
        text: 'Select',
        on: { click: () => this.toggleSelect() },
      }),
    );
    const n = this.sidebar.selected.size;
    this.selectBar.hidden = !this.sidebar.selecting;
    this.selectBar.replaceChildren(
      h('span', { text: `${n} selected` }),
      h('button', {
        type: 'button',
        class: 'danger',
        id: 'delete-selected',
        disabled: n === 0,
        text: 'Delete selected',
        on: { click: () => this.deleteSelected() },
      }),
    );
  }

  async file(conversationId, folderId, label) {
    if (!conversationId) return;
    await api('PATCH', `/api/conversations/${conversationId}`, { folderId });
    announce(folderId ? `Moved to ${label}` : 'Taken out of its folder');
    await Promise.all([this.load(), this.sidebar.refresh()]);
  }

  async create() {
    const name = await promptText('New folder', '');
    if (!name) return;
    await api('POST', '/api/folders', { name });
    await this.load();
  }

  async remove(folder) {
    if (!(await confirmAction(`Delete the folder “${folder.name}”? Its conversations stay.`))) return;
    await api('DELETE', `/api/folders/${folder.id}`);
    if (this.sidebar.filter.folderId === folder.id) this.sidebar.filter = {};
    await Promise.all([this.load(), this.sidebar.refresh()]);
  }

  toggleSelect() {
    this.sidebar.selecting = !this.sidebar.selecting;
    this.sidebar.selected.clear();
    this.render();
    this.sidebar.render();
  }

  async deleteSelected() {
    const ids = [...this.sidebar.selected];
    if (!(await confirmAction(`Delete ${ids.length} conversation${ids.length === 1 ? '' : 's'}? This cannot be undone.`))) return;
    const { deleted } = await api('POST', '/api/conversations/delete', { ids });
    announce(`${deleted} deleted`);
    this.sidebar.selected.clear();
    for (const id of ids) window.dispatchEvent(new CustomEvent('confab:conversation-deleted', { detail: { id } }));
    await Promise.all([this.load(), this.sidebar.refresh()]);
  }
}
