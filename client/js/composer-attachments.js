import { api, upload } from './api.js';
import { $, announce, h } from './dom.js';
import { describeError } from './errors.js';

/** Files one message may carry (the API's limit). */
const MAX_FILES = 10;
const POLL_MS = 700;
const STATUS_TEXT = { uploading: 'Uploading', queued: 'Queued', processing: 'Reading', ready: 'Ready', failed: 'Failed' };
export const ACCEPT = '.txt,.md,.markdown,.html,.htm,.pdf,.json,.csv,.js,.ts,.py,.go,.rs,.java,.c,.cpp,.rb,.sh,.sql,.yaml,.yml';

const SVG = 'http://www.w3.org/2000/svg';

/** A paperclip drawn in the text colour: emoji fonts are not on every system. */
function paperclip() {
  const svg = document.createElementNS(SVG, 'svg');
  for (const [k, v] of Object.entries({ viewBox: '0 0 24 24', width: '1em', height: '1em', 'aria-hidden': 'true', class: 'clip' }))
    svg.setAttribute(k, v);
  const path = document.createElementNS(SVG, 'path');
  path.setAttribute('d', 'M21 11.5l-8.6 8.6a5.5 5.5 0 0 1-7.8-7.8l8.6-8.6a3.7 3.7 0 0 1 5.2 5.2l-8.6 8.6a1.8 1.8 0 0 1-2.6-2.6l7.9-7.9');
  for (const [k, v] of Object.entries({
    fill: 'none',
    stroke: 'currentColor',
    'stroke-width': '2',
    'stroke-linecap': 'round',
    'stroke-linejoin': 'round',
  }))
    path.setAttribute(k, v);
  svg.append(path);
  return svg;
}

/** The chips of a sent message's files, as stored with it. */
export function attachmentChips(attachments) {
  if (!attachments?.length) return null;
  return h(
    'ul',
    { class: 'attachment-chips sent', 'aria-label': 'Attached files' },
    ...attachments.map((a) =>
      h('li', { class: 'chip attachment', title: a.name }, paperclip(), h('span', { class: 'chip-name', text: a.name })),
    ),
  );
}

/**
 * Files attached to the next message: the paperclip and a drop on the message box upload each one
 * (as the Documents panel does), its chip shows the upload and ingestion status, and a message
 * sent while one is still being read waits for it.
 */
export class ComposerAttachments {
  constructor({ onChange }) {
    this.onChange = onChange;
    this.items = [];
    this.timer = 0;
    this.form = $('composer');
    this.chips = h('ul', { id: 'composer-attachments', class: 'attachment-chips', 'aria-label': 'Files for this message', hidden: true });
    $('composer-context').after(this.chips);
    this.input = h('input', { type: 'file', id: 'attach-file', class: 'visually-hidden', multiple: true, accept: ACCEPT, tabindex: -1 });
    this.input.addEventListener('change', () => (this.add([...this.input.files]), (this.input.value = '')));
    this.button = h('button', {
      type: 'button',
      id: 'attach',
      class: 'icon-button attach-button',
      'aria-label': 'Attach files',
      title: 'Attach files (or drop them on the message box)',
      on: { click: () => this.input.click() },
    });
    this.button.append(paperclip());
    // Beside the message box, not in the bar below it: on a phone the bar has no room left for it.
    $('composer-input').before(this.button, this.input);
    for (const type of ['dragenter', 'dragover'])
      this.form.addEventListener(type, (e) => {
        if (![...(e.dataTransfer?.types ?? [])].includes('Files')) return;
        e.preventDefault();
        this.form.classList.add('dragging');
      });
    this.form.addEventListener('dragleave', (e) => !this.form.contains(e.relatedTarget) && this.form.classList.remove('dragging'));
    this.form.addEventListener('drop', (e) => {
      if (!e.dataTransfer?.files?.length) return;
      e.preventDefault();
      this.form.classList.remove('dragging');
      this.add([...e.dataTransfer.files]);
    });
  }

  add(files) {
    const room = MAX_FILES - this.items.length;
    if (files.length > room) announce(`A message carries at most ${MAX_FILES} files`);
    for (const file of files.slice(0, Math.max(0, room))) this.uploadOne(file);
  }

  async uploadOne(file) {
    const item = { name: file.name, status: 'uploading', progress: 0, id: null, error: null };
    this.items.push(item);
    this.render();
    const form = new FormData();
    form.append('file', file, file.name);
    try {
      const doc = await upload('/api/documents', form, (p) => ((item.progress = p), this.render()));
      if (!this.items.includes(item)) return;
      Object.assign(item, { id: doc.id, name: doc.name, status: doc.status, error: doc.error });
      announce(`${file.name} attached`);
    } catch (e) {
      Object.assign(item, { status: 'failed', error: describeError(e) });
    }
    this.render();
    this.poll();
  }

  /** Follows the files still being read until each is ready or failed. */
  poll() {
    clearTimeout(this.timer);
    const pending = this.items.filter((i) => i.id && (i.status === 'queued' || i.status === 'processing'));
    if (!pending.length) return;
    this.timer = setTimeout(async () => {
      await Promise.all(
        pending.map(async (item) => {
          const doc = await api('GET', `/api/documents/${item.id}`).catch(() => null);
          if (doc) Object.assign(item, { status: doc.status, progress: doc.progress, error: doc.error });
        }),
      );
      this.render();
      this.poll();
    }, POLL_MS);
  }

  remove(item) {
    this.items = this.items.filter((i) => i !== item);
    announce(`${item.name} removed from the message`);
    this.render();
    this.button.focus();
  }

  /** The files not ready yet, by name; a failed one blocks sending until it is removed. */
  waitingFor() {
    return this.items.filter((i) => i.status !== 'ready' && i.status !== 'failed');
  }

  failed() {
    return this.items.filter((i) => i.status === 'failed');
  }

  /** What a sent message keeps: each file's id and name, for its chips; a file attached twice (the same content is one document) once. */
  sent() {
    const ready = this.items.filter((i) => i.status === 'ready');
    return ready.filter((i, n) => ready.findIndex((o) => o.id === i.id) === n).map((i) => ({ documentId: i.id, name: i.name }));
  }

  clear() {
    this.items = [];
    clearTimeout(this.timer);
    this.render();
  }

  chip(item) {
    const status = item.status === 'uploading' ? `Uploading ${Math.round(item.progress * 100)}%` : STATUS_TEXT[item.status];
    return h(
      'li',
      { class: 'chip attachment', dataset: { status: item.status }, title: item.error ? `${item.name}: ${item.error}` : item.name },
      paperclip(),
      h('span', { class: 'chip-name', text: item.name }),
      h('span', { class: 'chip-status', text: status }),
      h('button', {
        type: 'button',
        'aria-label': `Remove ${item.name}`,
        text: '✕',
        on: { click: () => this.remove(item) },
      }),
    );
  }

  render() {
    this.chips.hidden = this.items.length === 0;
    this.chips.replaceChildren(...this.items.map((i) => this.chip(i)));
    this.onChange();
  }
}
