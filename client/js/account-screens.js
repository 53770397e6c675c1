import { api } from './api.js';
import { h } from './dom.js';
import { describeError } from './errors.js';

/** A full-page card like the login form's, added once and shown alone. */
function screen(id, ...children) {
  document.getElementById(id)?.remove();
  const section = h('section', { id, class: 'auth' }, h('div', { class: 'auth-card' }, h('h1', { text: 'Confab' }), ...children));
  document.getElementById('auth').hidden = true;
  document.getElementById('app').hidden = true;
  document.body.append(section);
  return section;
}

/**
 * What a pending account sees: it may not use anything until an admin approves it. "Check again"
 * asks the server, so an approval made meanwhile lets the user straight in.
 */
export function showPending(user) {
  return new Promise((resolve) => {
    const message = h('p', { role: 'status', text: '' });
    const check = h('button', { type: 'button', class: 'primary', text: 'Check again' });
    const section = screen(
      'pending',
      h('h2', { text: 'Waiting for approval' }),
      h('p', { text: `Your account (${user.email}) is waiting for an administrator to approve it. You can use Confab once they have.` }),
      message,
      h(
        'div',
        { class: 'dialog-actions' },
        h('button', {
          type: 'button',
          text: 'Log out',
          on: {
            click: async () => {
              await api('POST', '/api/auth/logout').catch(() => {});
              location.assign('/login');
            },
          },
        }),
        check,
      ),
    );
    check.addEventListener('click', async () => {
      check.disabled = true;
      try {
        const me = await api('GET', '/api/auth/me');
        if (me.status === 'active') {
          section.remove();
          return resolve(me);
        }
        message.textContent = 'Not approved yet.';
      } catch (err) {
        message.textContent = describeError(err);
      } finally {
        check.disabled = false;
      }
    });
  });
}

/**
 * The page a one-time set-password link opens (`/set-password#token=…`): the user chooses a
 * password and is logged in. The token is read from the fragment and dropped from the address bar.
 */
export function showSetPassword() {
  const token = new URLSearchParams(location.hash.slice(1)).get('token') ?? '';
  history.replaceState(null, '', '/set-password');
  return new Promise((resolve) => {
    const password = h('input', { id: 'new-password', type: 'password', minlength: 8, required: true, autocomplete: 'new-password' });
    const repeat = h('input', { id: 'repeat-password', type: 'password', minlength: 8, required: true, autocomplete: 'new-password' });
    const error = h('p', { class: 'error', role: 'alert', hidden: true });
    const submit = h('button', { type: 'submit', class: 'primary', text: 'Set password and log in' });
    const form = h(
      'form',
      { novalidate: true, 'aria-label': 'Set your password' },
      h('h2', { text: 'Choose your password' }),
      h('label', { for: 'new-password', text: 'New password' }),
      password,
      h('label', { for: 'repeat-password', text: 'Repeat it' }),
      repeat,
      h('p', { class: 'muted small', text: 'At least 8 characters.' }),
      error,
      submit,
    );
    const section = screen('set-password', form);
    password.focus();
    const fail = (text) => {
      error.textContent = text;
      error.hidden = false;
    };
    if (!token) fail('This link is incomplete. Open the whole link you were sent.');
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      error.hidden = true;
      if (password.value.length < 8) return fail('The password needs at least 8 characters.');
      if (password.value !== repeat.value) return fail('The two passwords differ.');
      submit.disabled = true;
      try {
        const user = await api('POST', '/api/auth/set-password', { token, password: password.value });
        section.remove();
        history.replaceState(null, '', '/');
        resolve(user);
      } catch (err) {
        fail(describeError(err));
      } finally {
        submit.disabled = false;
      }
    });
  });
}
