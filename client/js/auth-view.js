import { api } from './api.js';
import { $ } from './dom.js';
import { describeError } from './errors.js';

/** Log in / sign up form; resolves with the user (and whether the account was just created). */
export function showAuth() {
  const form = $('auth-form');
  const email = $('auth-email');
  const password = $('auth-password');
  const error = $('auth-error');
  const tabs = [$('tab-login'), $('tab-signup')];
  let mode = 'login';
  const setMode = (next) => {
    mode = next;
    for (const t of tabs) t.setAttribute('aria-selected', String(t.dataset.mode === mode));
    $('auth-submit').textContent = mode === 'login' ? 'Log in' : 'Create account';
    password.autocomplete = mode === 'login' ? 'current-password' : 'new-password';
    error.hidden = true;
  };
  for (const t of tabs) t.onclick = () => setMode(t.dataset.mode);
  $('auth').hidden = false;
  $('app').hidden = true;
  email.focus();
  showSignInMethods(form, error);
  return new Promise((resolve) => {
    form.onsubmit = async (e) => {
      e.preventDefault();
      error.hidden = true;
      if (!email.validity.valid || password.value.length < 8) {
        error.textContent = !email.validity.valid ? 'Enter a valid email address.' : 'The password needs at least 8 characters.';
        error.hidden = false;
        return;
      }
      try {
        const user = await api('POST', `/api/auth/${mode}`, { email: email.value.trim(), password: password.value });
        password.value = '';
        $('auth').hidden = true;
        resolve({ user, created: mode === 'signup' });
      } catch (err) {
        error.textContent = describeError(err);
        error.hidden = false;
      }
    };
  });
}

/**
 * Adds the identity provider's button when single sign-on is set up, and leaves only it when
 * password login is off. An error the provider's way back ended in (`?sso_error=`) is shown once.
 */
async function showSignInMethods(form, error) {
  const failed = new URLSearchParams(location.search).get('sso_error');
  if (failed) {
    error.textContent = describeError({ code: failed });
    error.hidden = false;
    history.replaceState(null, '', location.pathname);
  }
  const methods = await api('GET', '/api/auth/methods').catch(() => ({ password: true, oidc: null }));
  if (methods.oidc && !$('auth-sso')) {
    const sso = document.createElement('a');
    sso.id = 'auth-sso';
    sso.className = 'button primary auth-sso';
    sso.href = methods.oidc.loginUrl;
    sso.textContent = methods.oidc.label;
    form.append(sso);
  }
  if (!methods.password) {
    for (const child of form.children) {
      if (child.id !== 'auth-title' && child.id !== 'auth-sso' && child.id !== 'auth-error') child.hidden = true;
    }
  }
}

export async function currentUser() {
  try {
    return await api('GET', '/api/auth/me');
  } catch (e) {
    if (e.status === 401) return null;
    throw e;
  }
}
