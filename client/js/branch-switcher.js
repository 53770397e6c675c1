import { h } from './dom.js';

/** The messages of the same role after the same parent: a message's edits or regenerations, oldest first. */
export function siblingsOf(message, messages) {
  return messages.filter((m) => m.parentId === message.parentId && m.role === message.role);
}

/** The newest message reached from `id` by always taking the newest child: where that branch ends now. */
export function newestLeafUnder(messages, id) {
  let leaf = id;
  for (;;) {
    const children = messages.filter((m) => m.parentId === leaf);
    if (children.length === 0) return leaf;
    leaf = children.at(-1).id;
  }
}

/** `‹ 2/3 ›` for a message with siblings (null without): `onSwitch(id)` shows the sibling's branch. */
export function branchSwitcher(message, messages, onSwitch) {
  const siblings = siblingsOf(message, messages);
  if (siblings.length < 2) return null;
  const i = siblings.findIndex((m) => m.id === message.id);
  // The view re-enables every button of a turn after an answer, so the ends are checked here too.
  const go = (to) => () => siblings[to] && onSwitch(siblings[to].id);
  const what = message.role === 'user' ? 'version' : 'answer';
  return h(
    'span',
    { class: 'branch-switcher', role: 'group', 'aria-label': `${what[0].toUpperCase()}${what.slice(1)} ${i + 1} of ${siblings.length}` },
    h('button', {
      type: 'button',
      class: 'branch-prev',
      'aria-label': `Previous ${what}`,
      text: '‹',
      disabled: i === 0,
      on: { click: go(i - 1) },
    }),
    h('span', { class: 'branch-position', text: `${i + 1}/${siblings.length}` }),
    h('button', {
      type: 'button',
      class: 'branch-next',
      'aria-label': `Next ${what}`,
      text: '›',
      disabled: i === siblings.length - 1,
      on: { click: go(i + 1) },
    }),
  );
}
