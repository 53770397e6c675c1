import { api } from './api.js';
import { openCitation, sourcesList } from './citations.js';
import { attachmentChips } from './composer-attachments.js';
import { announce, h, promptText } from './dom.js';
import { describeError, describeFallback } from './errors.js';
import { renderMarkdown } from './markdown.js';
import { pluginCall, pluginRecord } from './plugin-activity.js';
import { StreamRenderer } from './stream-renderer.js';

/** A user's message with an edit box that sends the edited text as a new turn. */
export function userTurn(message, { onEdit, canEdit }) {
  const bubble = h('div', { class: 'bubble', text: message.content });
  const meta = h('div', { class: 'turn-meta' });
  const root = h('article', { class: 'turn turn-user', 'aria-label': 'You said' }, attachmentChips(message.attachments), bubble, meta);
  const edit = () => {
    const area = h('textarea', { 'aria-label': 'Edit message', value: message.content });
    const cancel = () => box.replaceWith(bubble, meta);
    const send = () => area.value.trim() && onEdit(area.value.trim());
    area.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) e.preventDefault(), send();
      if (e.key === 'Escape') cancel();
    });
    const box = h(
      'div',
      { class: 'edit-box' },
      area,
      h(
        'div',
        {},
        h('button', { type: 'button', text: 'Cancel', on: { click: cancel } }),
        h('button', { type: 'button', class: 'primary', text: 'Send', on: { click: send } }),
      ),
    );
    bubble.replaceWith(box);
    meta.remove();
    area.focus();
  };
  meta.append(h('button', { type: 'button', text: 'Edit', 'aria-label': 'Edit and resend', disabled: !canEdit(), on: { click: edit } }));
  return root;
}

/** An assistant answer: streamed from socket frames or shown from history. */
export class AssistantTurn {
  constructor({ onRegenerate, onContent } = {}) {
    this.onRegenerate = onRegenerate;
    this.text = '';
    this.citations = [];
    this.calls = new Map();
    this.label = h('div', { class: 'assistant-label', text: 'Confab' });
    this.notices = h('div', {});
    this.plugins = h('div', { class: 'plugin-activity' });
    this.answer = h('div', { class: 'answer' });
    this.sources = h('div', { class: 'sources' });
    this.meta = h('div', { class: 'turn-meta' });
    this.root = h(
      'article',
      { class: 'turn turn-assistant', 'aria-label': 'Confab answered' },
      this.label,
      this.notices,
      this.plugins,
      this.answer,
      this.sources,
      this.meta,
    );
    this.renderer = new StreamRenderer(this.answer, { onFrame: onContent });
    this.answer.addEventListener('click', (e) => this.openCite(e));
  }

  openCite(e) {
    const button = e.target.closest('button.cite');
    if (!button) return;
    const c = this.citations.find((x) => x.n === Number(button.dataset.n));
    if (c) openCitation(c, this.text);
  }

  setModel(model) {
    if (!model) return;
    this.model = model;
    this.label.textContent = `Confab · ${model}`;
  }

  /** Under an answer that searched nothing: one press turns on document lookup and asks again. */
  offerDocuments(onAccept) {
    const button = h('button', { type: 'button', class: 'primary offer-documents', text: 'Turn on Documents and ask again' });
    button.addEventListener('click', onAccept, { once: true });
    this.answer.after(h('p', { class: 'offer' }, button));
  }

  notice(text, kind = '') {
    this.notices.append(h('p', { class: `notice ${kind}`, role: kind ? 'alert' : null, text }));
  }

  setCitations(citations) {
    this.citations = citations;
    this.renderer.setCitations(citations);
    this.sources.replaceChildren(...sourcesList(citations, (c) => openCitation(c, this.text)));
  }

  plugin(frame) {
    const key = frame.callId ?? `${frame.name}:${frame.via}`;
    const row = pluginCall(frame);
    const old = this.calls.get(key);
    if (old) old.replaceWith(row);
    else this.plugins.append(row);
    this.calls.set(key, row);
  }

  streaming(on) {
    this.answer.classList.toggle('streaming', on);
    this.answer.classList.toggle('waiting', on && !this.text);
  }

  /** Applies one server frame of this turn. */
  onFrame(frame) {
    switch (frame.type) {
      case 'start':
        this.messageId = frame.messageId;
        return this.setModel(frame.model);
      case 'token':
        this.text += frame.delta;
        this.answer.classList.remove('waiting');
        return this.renderer.append(frame.delta);
      case 'plugin':
        return this.plugin(frame);
      case 'citations':
        return this.setCitations(frame.citations);
      case 'fallback':
        // The label names the model that is answering now, not the one asked for.
        this.setModel(frame.to);
        return this.notice(describeFallback(frame));
      case 'done':
        this.finish();
        if (frame.finishReason === 'cancelled') this.notice('Stopped before the end.');
        if (frame.finishReason === 'length') this.notice('The answer was cut off at the length limit.');
        return this.showMeta(frame.usage);
      case 'error':
        this.finish();
        this.notice(describeError(frame), 'error-notice');
        return this.showMeta();
    }
  }

  finish() {
    this.streaming(false);
    if (this.text) this.renderer.finish(this.text);
    else this.answer.replaceChildren();
  }

  showMeta(usage) {
    this.meta.replaceChildren();
    if (usage?.completionTokens) this.meta.append(h('span', { text: `${usage.completionTokens} tokens` }));
    if (this.text) {
      const copy = h('button', { type: 'button', text: 'Copy', 'aria-label': 'Copy answer' });
      copy.addEventListener('click', async () => {
        await navigator.clipboard.writeText(this.text).then(
          () => (copy.textContent = 'Copied'),
          () => (copy.textContent = 'Copy failed'),
        );
        setTimeout(() => (copy.textContent = 'Copy'), 1500);
      });
      this.meta.append(copy);
    }
    if (this.text && this.messageId) this.meta.append(...this.feedbackButtons());
    if (this.onRegenerate)
      this.meta.append(
        h('button', { type: 'button', class: 'regenerate', text: '↻ Regenerate', on: { click: () => this.onRegenerate() } }),
      );
  }

  /** Thumbs up and down (a second press takes it back); thumbs down asks what was wrong. */
  feedbackButtons() {
    const buttons = ['up', 'down'].map((rating) =>
      h('button', {
        type: 'button',
        class: 'feedback',
        text: rating === 'up' ? '👍' : '👎',
        'aria-label': rating === 'up' ? 'Good answer' : 'Bad answer',
        'aria-pressed': String(this.feedback?.rating === rating),
        dataset: { rating },
        on: { click: () => this.rate(rating, buttons) },
      }),
    );
    return buttons;
  }

  async rate(rating, buttons) {
    const next = this.feedback?.rating === rating ? null : rating;
    const comment = next === 'down' ? await promptText('What was wrong with this answer? (optional)', '') : null;
    try {
      const saved = await api('POST', `/api/messages/${this.messageId}/feedback`, { rating: next, comment });
      this.feedback = saved.rating ? saved : null;
      for (const b of buttons) b.setAttribute('aria-pressed', String(b.dataset.rating === saved.rating));
      announce(saved.rating ? 'Thanks for the feedback' : 'Feedback removed');
    } catch (err) {
      this.notice(describeError(err), 'error-notice');
    }
  }

  /** Shows a stored message. */
  static fromMessage(message, opts) {
    const turn = new AssistantTurn(opts);
    turn.messageId = message.id;
    turn.feedback = message.feedback ?? null;
    turn.setModel(message.model);
    turn.text = message.content;
    for (const record of message.plugins ?? []) turn.plugins.append(pluginRecord(record));
    turn.setCitations(message.citations ?? []);
    turn.answer.replaceChildren(renderMarkdown(message.content, { citations: message.citations }));
    if (message.status === 'interrupted') turn.notice('Stopped before the end.');
    if (message.status === 'streaming') turn.notice('This answer is still being written; reload to see more.');
    if (message.status === 'error') turn.notice(describeError({ code: 'generation_failed', message: message.error }), 'error-notice');
    turn.showMeta(message.usage);
    return turn;
  }
}
