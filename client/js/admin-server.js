import { act, describeLimits, getJson, limitsFieldset, statusLine } from './admin-common.js';
import { api } from './api.js';
import { announce, h } from './dom.js';

const POLICIES = [
  ['open', 'Open: anyone can sign up'],
  ['approval', 'Approval: new accounts wait for an admin'],
  ['closed', 'Closed: only admins add accounts'],
];

/** Server-wide settings: the sign-up policy and the default limits every user starts from. */
export class AdminServer {
  constructor() {
    this.status = statusLine();
    this.body = h('div', {});
    this.root = h(
      'section',
      { 'aria-labelledby': 'admin-server-title' },
      h('h2', { id: 'admin-server-title', text: 'Server' }),
      this.status.el,
      this.body,
    );
  }

  async show() {
    const s = await getJson('/api/admin/settings');
    const signup = h(
      'select',
      { id: 'signup-policy' },
      POLICIES.map(([v, t]) => h('option', { value: v, text: t, selected: s.signup === v })),
    );
    const limits = limitsFieldset('default-limits', s.defaultLimits);
    const save = h('button', { type: 'submit', class: 'primary', text: 'Save' });
    const form = h(
      'form',
      { class: 'stack-form', 'aria-label': 'Server settings' },
      h('label', { for: 'signup-policy' }, h('span', { text: 'Sign-up' }), signup),
      limits.fieldset,
      h('p', {
        class: 'muted small',
        text: `Every user without limits of their own or a group’s gets: ${describeLimits(s.effectiveDefaultLimits)}.`,
      }),
      h('div', {}, save),
    );
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const ok = await act(save, this.status, () =>
        api('PATCH', '/api/admin/settings', { signup: signup.value, defaultLimits: limits.read() }),
      );
      if (!ok) return;
      this.status.ok('Settings saved');
      announce('Settings saved');
      await this.show();
    });
    this.body.replaceChildren(form);
  }
}
