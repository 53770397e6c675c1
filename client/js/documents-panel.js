import { api, upload } from './api.js';
import { $, announce, confirmAction, h } from './dom.js';
import { describeError } from './errors.js';

const STATUS_TEXT = { queued: 'Queued', processing: 'Processing', ready: 'Ready', failed: 'Failed' };
const POLL_MS = 1000;

function sizeText(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/**
 * Upload (button or drag and drop), ingestion status with progress and failure reason, delete,
 * and picking ready documents to ask about. Polls while anything is still being ingested.
 */
export class DocumentsPanel {
  constructor({ onPick }) {
    this.onPick = onPick;
    this.root = $('documents-panel');
    this.toggle = $('toggle-documents');
    this.docs = [];
    this.uploads = new Map();
    this.picked = new Set();
    this.timer = 0;
    this.build();
    this.toggle.addEventListener('click', () => this.setOpen(this.root.hidden));
    window.addEventListener('confab:unpick-document', (e) => this.pick(e.detail, false));
    window.addEventListener('confab:pick-documents', (e) => this.pickOnly(e.detail));
  }

  build() {
    this.input = h('input', {
      type: 'file',
      id: 'document-file',
      class: 'visually-hidden',
      multiple: true,
      accept: '.txt,.md,.markdown,.html,.htm,.pdf,.json,.csv,.js,.ts,.py,.go,.rs,.java,.c,.cpp,.rb,.sh,.sql,.yaml,.yml',
    });
    this.input.addEventListener('change', () => (this.uploadAll([...this.input.files]), (this.input.value = '')));
    this.drop = h(
      'div',
      { class: 'dropzone' },
      h('span', { text: 'Drop files here' }),
      h('label', { class: 'button', for: 'document-file', text: 'Choose files…' }),
      this.input,
      h('span', { class: 'small', text: 'txt, md, html, pdf, code' }),
    );
    for (const type of ['dragenter', 'dragover'])
      this.root.addEventListener(type, (e) => (e.preventDefault(), this.drop.classList.add('dragging')));
    this.root.addEventListener('dragleave', (e) => !this.root.contains(e.relatedTarget) && this.drop.classList.remove('dragging'));
    this.root.addEventListener('drop', (e) => {
      e.preventDefault();
      this.drop.classList.remove('dragging');
      this.uploadAll([...(e.dataTransfer?.files ?? [])]);
    });
    this.list = h('ul', { class: 'doc-list', 'aria-label': 'Your documents' });
    this.status = h('p', { class: 'small muted', role: 'status' });
    this.root.replaceChildren(
      h(
        'div',
        { class: 'panel-head' },
        h('h2', { text: 'Documents' }),
        h('button', {
          type: 'button',
          class: 'icon-button',
          'aria-label': 'Close documents',
          text: '✕',
          on: { click: () => (this.setOpen(false), this.toggle.focus()) },
        }),
      ),
      h('p', { class: 'small muted', text: 'Tick a ready document to answer from it, with numbered sources.' }),
      this.drop,
      this.status,
      this.list,
    );
    this.root.addEventListener('keydown', (e) => e.key === 'Escape' && (this.setOpen(false), this.toggle.focus()));
  }

  setOpen(open) {
    this.root.hidden = !open;
    this.toggle.setAttribute('aria-expanded', String(open));
    if (open) {
      this.refresh();
      this.root.querySelector('label.button').focus();
    }
  }

  async refresh() {
    clearTimeout(this.timer);
    const { items } = await api('GET', '/api/documents');
    this.docs = items;
    const ids = new Set(items.map((d) => d.id));
    if (this.wanted) this.picked = new Set([...this.wanted].filter((id) => ids.has(id)));
    this.wanted = null;
    for (const id of this.picked) if (!ids.has(id)) this.picked.delete(id);
    this.render();
    this.emitPicked();
    if (items.some((d) => d.status === 'queued' || d.status === 'processing'))
      this.timer = setTimeout(() => this.refresh().catch(() => {}), POLL_MS);
  }

  async uploadAll(files) {
    await Promise.all(files.map((f) => this.uploadOne(f)));
    await this.refresh();
  }

  async uploadOne(file) {
    const key = `${file.name}:${crypto.getRandomValues(new Uint32Array(1))[0]}`;
    this.uploads.set(key, { name: file.name, progress: 0 });
    this.render();
    const form = new FormData();
    form.append('file', file, file.name);
    try {
      await upload('/api/documents', form, (p) => {
        this.uploads.get(key).progress = p;
        this.render();
      });
      announce(`${file.name} uploaded`);
    } catch (e) {
      this.status.textContent = `${file.name}: ${describeError(e)}`;
    } finally {
      this.uploads.delete(key);
    }
  }

  pick(id, on) {
    if (on) this.picked.add(id);
    else this.picked.delete(id);
    this.render();
    this.emitPicked();
  }

  /** Picks exactly these documents (those still here), as an opened conversation remembers them. */
  pickOnly(ids) {
    const known = ids.filter((id) => this.docs.some((d) => d.id === id));
    this.picked = new Set(known);
    this.render();
    this.emitPicked();
    // Documents not listed yet (the panel has not loaded): picked once they are.
    if (known.length < ids.length) {
      this.wanted = new Set(ids);
      this.refresh().catch(() => {});
    }
  }

  emitPicked() {
    this.onPick(this.docs.filter((d) => this.picked.has(d.id)));
  }

  async remove(doc) {
    if (!(await confirmAction(`Delete “${doc.name}” and everything learned from it?`))) return;
    await api('DELETE', `/api/documents/${doc.id}`);
    this.picked.delete(doc.id);
    announce(`${doc.name} deleted`);
    await this.refresh();
  }

  row(doc) {
    const id = `pick-${doc.id}`;
    const busy = doc.status === 'queued' || doc.status === 'processing';
    let status = STATUS_TEXT[doc.status] ?? doc.status;
    if (doc.status === 'ready') status += ` · ${doc.chunkCount} passages · ${sizeText(doc.sizeBytes)}`;
    if (doc.status === 'processing') status += ` · ${Math.round(doc.progress * 100)}%`;
    if (doc.error) status += ` — ${doc.error}`;
    return h(
      'li',
      { class: 'doc', dataset: { id: doc.id, status: doc.status } },
      h('input', {
        type: 'checkbox',
        id,
        checked: this.picked.has(doc.id),
        disabled: doc.status !== 'ready',
        'aria-label': `Ask about ${doc.name}`,
        on: { change: (e) => this.pick(doc.id, e.target.checked) },
      }),
      h('label', { for: id, class: 'doc-name', title: doc.name, text: doc.name }),
      h('button', {
        type: 'button',
        class: 'icon-button',
        'aria-label': `Delete ${doc.name}`,
        text: '✕',
        on: { click: () => this.remove(doc) },
      }),
      busy ? h('progress', { max: 1, value: doc.status === 'queued' ? 0 : doc.progress, 'aria-label': `${doc.name} progress` }) : null,
      h('span', { class: 'doc-status', dataset: { status: doc.status }, text: status }),
    );
  }

  render() {
    const uploading = [...this.uploads.values()].map((u) =>
      h(
        'li',
        { class: 'doc' },
        h('span', {}),
        h('span', { class: 'doc-name', text: u.name }),
        h('span', {}),
        h('progress', { max: 1, value: u.progress, 'aria-label': `Uploading ${u.name}` }),
        h('span', { class: 'doc-status', text: `Uploading · ${Math.round(u.progress * 100)}%` }),
      ),
    );
    const rows = this.docs.map((d) => this.row(d));
    const focused = this.list.contains(document.activeElement) ? document.activeElement.id : '';
    this.list.replaceChildren(...uploading, ...rows);
    if (focused) document.getElementById(focused)?.focus();
    if (!uploading.length && !rows.length) this.list.append(h('li', { class: 'muted small', text: 'No documents yet.' }));
  }
}
