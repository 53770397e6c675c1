import { openDialog } from './admin-common.js';
import { api } from './api.js';
import { $, announce, h } from './dom.js';
import { describeError } from './errors.js';

const DOCUMENT_MODES = [
  ['auto', 'Attached files whole'],
  ['whole', 'All documents whole'],
  ['retrieve', 'Always search'],
];

const num = (input) => (input.value.trim() === '' ? undefined : Number(input.value));

/** The instructions and parameters of the conversation on screen, in a dialog opened from the top bar. */
export class ConversationSettings {
  constructor({ chat }) {
    this.chat = chat;
    this.button = $('conversation-settings');
    this.button.addEventListener('click', () => this.open());
  }

  /** The button shows only on a saved conversation. */
  update(route) {
    this.button.hidden = route.name !== 'chat' || !route.id;
  }

  async open() {
    const id = this.chat.conversationId;
    if (!id) return;
    const conversation = await api('GET', `/api/conversations/${id}`);
    const s = conversation.settings;
    const prompt = h('textarea', {
      id: 'conv-system-prompt',
      rows: 5,
      maxlength: 20000,
      placeholder: 'Empty: your custom instructions from Settings',
    });
    prompt.value = s.systemPrompt ?? '';
    const field = (id, label, attrs, value) => {
      const input = h('input', { id, type: 'number', inputmode: 'decimal', value: value ?? '', ...attrs });
      return { input, label: h('label', { for: id }, h('span', { text: label }), input) };
    };
    const temperature = field(
      'conv-temperature',
      'Temperature (0–2)',
      { min: 0, max: 2, step: 0.1, placeholder: 'model default' },
      s.params.temperature,
    );
    const topP = field('conv-top-p', 'Top P (0–1)', { min: 0, max: 1, step: 0.05, placeholder: 'model default' }, s.params.topP);
    const maxTokens = field(
      'conv-max-tokens',
      'Longest answer (tokens)',
      { min: 1, step: 1, placeholder: 'model default' },
      s.params.maxTokens,
    );
    const mode = h(
      'select',
      { id: 'conv-document-mode', 'aria-describedby': 'conv-document-mode-help' },
      ...DOCUMENT_MODES.map(([value, text]) => h('option', { value, text, selected: value === (s.documentMode ?? 'auto') })),
    );
    const error = h('p', { class: 'admin-status error', role: 'alert' });
    const body = h(
      'div',
      { class: 'dialog-fields' },
      h('label', { for: 'conv-system-prompt' }, h('span', { text: 'Instructions for this conversation' }), prompt),
      h('div', { class: 'limits-fields' }, temperature.label, topP.label, maxTokens.label),
      h('p', {
        class: 'muted small',
        text: 'Anthropic models take only the longest answer; OpenAI and compatible servers take all three.',
      }),
      h('label', { for: 'conv-document-mode' }, h('span', { text: 'Documents' }), mode),
      h('p', {
        class: 'muted small',
        id: 'conv-document-mode-help',
        text: 'Attached files whole: files attached to a message are read entire when they fit the model’s context window, picked documents are searched. All documents whole: picked documents are read entire too. Always search: only the passages that match each message are sent.',
      }),
      error,
    );
    while (await openDialog('Conversation settings', body)) {
      const params = {};
      for (const [key, f] of [
        ['temperature', temperature],
        ['topP', topP],
        ['maxTokens', maxTokens],
      ])
        if (num(f.input) !== undefined) params[key] = num(f.input);
      try {
        const saved = await api('PATCH', `/api/conversations/${id}`, {
          systemPrompt: prompt.value.trim() || null,
          params,
          documentMode: mode.value,
        });
        this.chat.conversation = { ...this.chat.conversation, ...saved };
        announce('Conversation settings saved');
        return saved;
      } catch (err) {
        error.textContent = describeError(err);
      }
    }
    return null;
  }
}
