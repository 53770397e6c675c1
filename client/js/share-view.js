import { $, h } from './dom.js';
import { renderMarkdown } from './markdown.js';

/**
 * The public page of a shared conversation (`/s/:token`): the snapshot, rendered and sanitised as
 * the app renders answers, read without the visitor's cookies. Nothing here can change anything.
 */
function turn(message) {
  if (message.role === 'user')
    return h('article', { class: 'turn turn-user', 'aria-label': 'The user said' }, h('div', { class: 'bubble', text: message.content }));
  const answer = h('div', { class: 'answer' });
  answer.append(renderMarkdown(message.content));
  return h(
    'article',
    { class: 'turn turn-assistant', 'aria-label': 'Confab answered' },
    h('div', { class: 'assistant-label', text: 'Confab' }),
    answer,
  );
}

async function show() {
  const token = location.pathname.split('/').pop() ?? '';
  const res = await fetch(`/api/shared/${encodeURIComponent(token)}`, { credentials: 'omit' }).catch(() => null);
  if (!res?.ok) {
    const error = $('shared-error');
    error.textContent =
      res?.status === 404 || res?.status === 400
        ? 'This link was revoked, or it never existed.'
        : 'The conversation could not be loaded. Try again later.';
    error.hidden = false;
    return;
  }
  const shared = await res.json();
  document.title = `${shared.title} · Confab`;
  $('shared-title').textContent = shared.title;
  $('shared-meta').textContent = `Shared ${new Date(shared.sharedAt).toLocaleString()}`;
  $('shared-messages').replaceChildren(...shared.messages.map(turn));
}

show();
