import { api } from './api.js';
import { announce, h } from './dom.js';
import { describeError } from './errors.js';

/**
 * The dialog behind a conversation's "⋯" button: its share link (create, update the snapshot, copy,
 * stop sharing) and its downloads (Markdown of the shown branch, JSON with every branch).
 */
export class ConversationActions {
  constructor() {
    this.title = h('h2', { id: 'actions-title' });
    this.status = h('p', { class: 'muted small', id: 'share-status' });
    this.link = h('input', { id: 'share-url', readonly: true, 'aria-label': 'Share link', hidden: true });
    this.error = h('p', { class: 'error', role: 'alert', hidden: true });
    this.shareButton = h('button', { type: 'button', class: 'primary', id: 'share-create', on: { click: () => this.share() } });
    this.copyButton = h('button', { type: 'button', id: 'share-copy', text: 'Copy link', hidden: true, on: { click: () => this.copy() } });
    this.revokeButton = h('button', {
      type: 'button',
      class: 'danger',
      id: 'share-revoke',
      text: 'Stop sharing',
      hidden: true,
      on: { click: () => this.revoke() },
    });
    this.markdown = h('a', { class: 'button', id: 'export-md', text: 'Markdown', download: '' });
    this.json = h('a', { class: 'button', id: 'export-json', text: 'JSON (all branches)', download: '' });
    this.dialog = h(
      'dialog',
      { id: 'actions-dialog', 'aria-labelledby': 'actions-title' },
      h(
        'div',
        { class: 'dialog-body' },
        this.title,
        h('h3', { text: 'Share a read-only link' }),
        h('p', {
          class: 'muted small',
          text: 'Anyone with the link sees the conversation as it is now, and nothing about you. Later messages appear only when you update the link.',
        }),
        this.status,
        this.link,
        this.error,
        h('div', { class: 'dialog-actions' }, this.shareButton, this.copyButton, this.revokeButton),
        h('h3', { text: 'Download' }),
        h('div', { class: 'dialog-actions' }, this.markdown, this.json),
        h('div', { class: 'dialog-actions' }, h('button', { type: 'button', text: 'Close', on: { click: () => this.dialog.close() } })),
      ),
    );
    document.body.append(this.dialog);
  }

  async open(conversation) {
    this.conversation = conversation;
    this.title.textContent = conversation.title || 'New chat';
    const base = `/api/conversations/${conversation.id}/export`;
    this.markdown.href = `${base}?format=md`;
    this.json.href = base;
    this.error.hidden = true;
    this.show(null);
    this.status.textContent = 'Checking…';
    this.shareButton.disabled = true;
    this.dialog.showModal();
    try {
      const { items } = await api('GET', '/api/shares');
      if (this.conversation === conversation) this.show(items.find((s) => s.conversationId === conversation.id) ?? null);
    } catch (err) {
      this.fail(err);
    } finally {
      this.shareButton.disabled = false;
    }
  }

  show(share) {
    this.current = share;
    // The title the snapshot was taken under: the page may not have heard of a title written since.
    if (share?.title) this.title.textContent = share.title;
    this.link.hidden = this.copyButton.hidden = this.revokeButton.hidden = !share;
    this.link.value = share?.url ?? '';
    this.shareButton.textContent = share ? 'Update link' : 'Create link';
    this.status.textContent = share
      ? `Shared; snapshot of ${new Date(share.updatedAt).toLocaleString()} with ${share.messages} messages.`
      : 'Not shared.';
  }

  fail(err) {
    this.error.textContent = describeError(err);
    this.error.hidden = false;
  }

  async share() {
    try {
      this.show(await api('POST', `/api/conversations/${this.conversation.id}/share`));
      this.link.select();
      announce('Share link ready');
    } catch (err) {
      this.fail(err);
    }
  }

  async copy() {
    try {
      await navigator.clipboard.writeText(this.link.value);
      announce('Link copied');
    } catch {
      this.link.select();
    }
  }

  async revoke() {
    try {
      await api('DELETE', `/api/shares/${this.current.id}`);
      this.show(null);
      announce('The link no longer works');
    } catch (err) {
      this.fail(err);
    }
  }
}

/** Imports an export file (Confab, ChatGPT, Open WebUI); resolves to what the server did. */
export async function importFile(file) {
  const form = new FormData();
  form.append('file', file);
  return api('POST', '/api/conversations/import', form);
}

/** "Shared links" at the foot of the sidebar: every link you made, each with its page and a revoke button. */
export class SharesDialog {
  constructor() {
    this.list = h('ul', { class: 'shares-list', id: 'shares-list' });
    this.dialog = h(
      'dialog',
      { id: 'shares-dialog', 'aria-labelledby': 'shares-title' },
      h(
        'div',
        { class: 'dialog-body' },
        h('h2', { id: 'shares-title', text: 'Shared links' }),
        this.list,
        h('div', { class: 'dialog-actions' }, h('button', { type: 'button', text: 'Close', on: { click: () => this.dialog.close() } })),
      ),
    );
    document.body.append(this.dialog);
  }

  async open() {
    this.list.replaceChildren(h('li', { class: 'muted small', text: 'Loading…' }));
    this.dialog.showModal();
    try {
      this.render((await api('GET', '/api/shares')).items);
    } catch (err) {
      this.list.replaceChildren(h('li', { class: 'error', text: describeError(err) }));
    }
  }

  render(items) {
    if (items.length === 0) {
      this.list.replaceChildren(h('li', { class: 'muted small', text: 'You have not shared any conversation.' }));
      return;
    }
    this.list.replaceChildren(
      ...items.map((s) =>
        h(
          'li',
          { class: 'share', dataset: { id: s.id } },
          h('a', { href: s.url, target: '_blank', rel: 'noopener noreferrer', text: s.title }),
          h('span', { class: 'muted small', text: ` ${s.messages} messages, ${new Date(s.updatedAt).toLocaleDateString()} ` }),
          h('button', {
            type: 'button',
            class: 'danger',
            'aria-label': `Stop sharing “${s.title}”`,
            text: 'Stop sharing',
            on: {
              click: async () => {
                await api('DELETE', `/api/shares/${s.id}`);
                announce('The link no longer works');
                this.render(items.filter((x) => x.id !== s.id));
              },
            },
          }),
        ),
      ),
    );
  }
}
