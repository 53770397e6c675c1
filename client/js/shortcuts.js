import { $, h } from './dom.js';
import { navigate } from './router.js';

const mac = /Mac|iPhone|iPad/.test(navigator.platform);
const mod = mac ? '⌘' : 'Ctrl';

export const SHORTCUTS = [
  [`${mod} + Shift + O`, 'New chat'],
  ['Shift + Esc', 'Focus the message box'],
  ['Esc', 'Stop the answer being written'],
  ['Enter / Shift + Enter', 'Send / new line'],
  ['?', 'Show these shortcuts'],
];

const typing = (el) => el?.closest?.('input, textarea, select, [contenteditable="true"]');

function showList() {
  document.getElementById('shortcuts-dialog')?.remove();
  const dialog = h(
    'dialog',
    { id: 'shortcuts-dialog', 'aria-labelledby': 'shortcuts-title' },
    h(
      'form',
      { method: 'dialog', class: 'dialog-body' },
      h('h2', { id: 'shortcuts-title', text: 'Keyboard shortcuts' }),
      h(
        'dl',
        { class: 'shortcut-list' },
        SHORTCUTS.flatMap(([keys, what]) => [h('dt', {}, h('kbd', { text: keys })), h('dd', { text: what })]),
      ),
      h('div', { class: 'dialog-actions' }, h('button', { type: 'submit', class: 'primary', text: 'Close' })),
    ),
  );
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
}

/** The app's keyboard shortcuts; `chat` is the chat view (to stop its answer). */
export function installShortcuts({ chat }) {
  document.addEventListener('keydown', (e) => {
    if (document.querySelector('dialog[open]')) return;
    if ((e.ctrlKey || e.metaKey) && e.shiftKey && e.key.toLowerCase() === 'o') {
      e.preventDefault();
      navigate('/');
      $('composer-input').focus();
      return;
    }
    if (e.key === 'Escape' && e.shiftKey) {
      e.preventDefault();
      $('composer-input').focus();
      return;
    }
    const inPanel = e.target?.closest?.('#documents-panel, #plugin-menu, #sidebar, .turn-user');
    if (e.key === 'Escape' && chat.busy() && !inPanel && (!typing(e.target) || e.target.id === 'composer-input')) {
      chat.stop();
      return;
    }
    if (e.key === '?' && !typing(e.target) && !e.ctrlKey && !e.metaKey && !e.altKey) {
      e.preventDefault();
      showList();
    }
  });
}
