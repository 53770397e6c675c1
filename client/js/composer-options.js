import { api } from './api.js';
import { $, h } from './dom.js';
import { pluginLabel } from './plugin-activity.js';

const MODEL_KEY = 'confab.model';

/**
 * What the next message is sent with: the model, the plugins switched on for it and the
 * documents picked to ask about.
 */
export class ComposerOptions {
  constructor() {
    this.picker = $('model-picker');
    this.menu = $('plugin-menu');
    this.toggles = $('plugin-toggles');
    this.context = $('composer-context');
    this.documents = new Map();
    this.picker.addEventListener('change', () => localStorage.setItem(MODEL_KEY, this.picker.value));
    this.toggles.addEventListener('change', () => this.markActive());
    document.addEventListener('click', (e) => {
      if (this.menu.open && !this.menu.contains(e.target)) this.menu.open = false;
    });
    this.menu.addEventListener(
      'keydown',
      (e) => e.key === 'Escape' && ((this.menu.open = false), this.menu.querySelector('summary').focus()),
    );
  }

  async load() {
    await Promise.all([this.loadModels(), this.loadPlugins()]);
  }

  async loadModels() {
    const { default: fallback, models } = await api('GET', '/api/models');
    this.models = models;
    const saved = localStorage.getItem(MODEL_KEY);
    this.picker.replaceChildren(
      ...models.map((m) =>
        h('option', {
          value: m.id,
          text: m.id === fallback ? `${m.id} (default)` : m.id,
          title: `${m.provider} · ${m.contextWindow.toLocaleString()} tokens`,
        }),
      ),
    );
    this.picker.value = models.some((m) => m.id === saved) ? saved : fallback;
  }

  async loadPlugins() {
    const { plugins } = await api('GET', '/api/plugins');
    this.plugins = plugins;
    const chosen = new Set(this.selectedPlugins());
    const rows = plugins.map((p) => {
      const usable = p.available && p.enabled;
      const reason = !p.available ? (p.reason ?? 'Not available on this server') : !p.enabled ? 'Turned off in Settings' : p.summary;
      const id = `plugin-${p.name}`;
      return h(
        'label',
        { class: `plugin-toggle${usable ? '' : ' unavailable'}`, for: id },
        h('input', {
          type: 'checkbox',
          id,
          value: p.name,
          disabled: !usable,
          checked: usable && chosen.has(p.name),
          'aria-describedby': `${id}-reason`,
        }),
        h('span', { text: pluginLabel(p.name) }),
        h('span', { class: 'reason muted', id: `${id}-reason`, text: reason }),
      );
    });
    this.toggles.replaceChildren(h('legend', { text: 'Tools for this message' }), ...rows);
    this.markActive();
  }

  markActive() {
    const n = this.selectedPlugins().length;
    this.menu.toggleAttribute('data-active', n > 0);
    this.menu.querySelector('summary').textContent = n ? `Tools (${n})` : 'Tools';
  }

  /** Ticks a tool the way the user would; false when it is not usable here. */
  enablePlugin(name) {
    const box = this.toggles.querySelector(`input[value="${CSS.escape(name)}"]`);
    if (!box || box.disabled) return false;
    box.checked = true;
    this.markActive();
    return true;
  }

  selectedPlugins() {
    return [...this.toggles.querySelectorAll('input:checked')].map((i) => i.value);
  }

  /** Called by the documents panel when the user picks or unpicks a document. */
  setDocuments(docs) {
    this.documents = new Map(docs.map((d) => [d.id, d]));
    this.context.replaceChildren(
      ...docs.map((d) =>
        h(
          'span',
          { class: 'chip' },
          d.name,
          h('button', {
            type: 'button',
            'aria-label': `Stop asking about ${d.name}`,
            text: '✕',
            on: { click: () => window.dispatchEvent(new CustomEvent('confab:unpick-document', { detail: d.id })) },
          }),
        ),
      ),
    );
  }

  /**
   * Shows what an opened conversation remembers: its model, its tools and its documents, so the
   * next message (and a regenerate) is sent with them rather than with whatever was left ticked.
   */
  applyConversation(conversation) {
    if (conversation.model && this.models?.some((m) => m.id === conversation.model)) this.picker.value = conversation.model;
    const on = new Set(conversation.settings?.plugins ?? []);
    for (const box of this.toggles.querySelectorAll('input[type="checkbox"]')) box.checked = !box.disabled && on.has(box.value);
    this.markActive();
    window.dispatchEvent(new CustomEvent('confab:pick-documents', { detail: conversation.settings?.documentIds ?? [] }));
  }

  /** Always names tools and documents, even none: the conversation remembers what the last message used. */
  frame() {
    return {
      model: this.picker.value || undefined,
      plugins: this.selectedPlugins(),
      documentIds: [...this.documents.keys()],
    };
  }
}
