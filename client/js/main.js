import { showPending, showSetPassword } from './account-screens.js';
import { AdminView } from './admin-view.js';
import { api } from './api.js';
import { currentUser, showAuth } from './auth-view.js';
import { BenchmarkView } from './benchmark-view.js';
import { ChatSocket } from './chat-socket.js';
import { ChatView } from './chat-view.js';
import { ComposerOptions } from './composer-options.js';
import { ConversationSettings } from './conversation-settings.js';
import { DocumentsPanel } from './documents-panel.js';
import { $, announce, h } from './dom.js';
import { interceptLinks, navigate, parseRoute } from './router.js';
import { SettingsView } from './settings-view.js';
import { installShortcuts } from './shortcuts.js';
import { Sidebar } from './sidebar.js';
import { UsageView } from './usage-view.js';

const CONNECTION_TEXT = { connecting: 'Connecting…', reconnecting: 'Connection lost — reconnecting…', offline: 'Offline — retrying…' };

function connectionIndicator(socket) {
  const badge = $('connection');
  let timer = 0;
  let wasDown = false;
  socket.addEventListener('state', ({ detail: state }) => {
    clearTimeout(timer);
    badge.dataset.state = state;
    if (state === 'open' || state === 'idle') {
      if (wasDown && state === 'open') {
        badge.textContent = 'Reconnected';
        announce('Reconnected; the answer continues');
        timer = setTimeout(() => (badge.hidden = true), 2500);
      } else badge.hidden = true;
      wasDown = false;
      return;
    }
    wasDown = state !== 'connecting';
    badge.textContent = CONNECTION_TEXT[state];
    badge.hidden = state === 'connecting';
  });
}

function welcome(user, created) {
  if (!created) return;
  const text =
    user.role === 'admin'
      ? 'Welcome to Confab. You are the first account on this server, so you are its administrator: Admin, in the sidebar, manages users, model connections, models, groups, budgets and usage.'
      : 'Welcome to Confab. Your account is ready.';
  const banner = h(
    'p',
    { class: 'notice', role: 'status' },
    text,
    ' ',
    h('button', { type: 'button', class: 'link-button', text: 'Dismiss', on: { click: () => banner.remove() } }),
  );
  $('main').insertBefore(banner, $('chat-view'));
}

function showView(route, views) {
  $('chat-view').hidden = route.name !== 'chat';
  $('benchmark-view').hidden = route.name !== 'benchmark';
  $('settings-view').hidden = route.name !== 'settings';
  $('usage-view').hidden = route.name !== 'usage';
  $('admin-view').hidden = route.name !== 'admin' || !views.admin;
  views.sidebar.setCurrent(route.name === 'chat' ? route.id : null);
  views.conversationSettings.update(route);
  if (route.name === 'chat') return views.chat.open(route.id);
  if (route.name === 'benchmark') return views.benchmark.show();
  if (route.name === 'usage') return views.usage.show();
  if (route.name === 'admin') return views.admin ? views.admin.show(route.tab) : navigate('/', { replace: true });
  return views.settings.show();
}

async function startApp(user, created) {
  $('app').hidden = false;
  $('account-email').textContent = user.role === 'admin' ? `${user.email} (admin)` : user.email;
  welcome(user, created);
  const socket = new ChatSocket();
  connectionIndicator(socket);
  const sidebar = new Sidebar();
  const options = new ComposerOptions();
  const views = {
    sidebar,
    chat: new ChatView({ socket, options, sidebar }),
    benchmark: new BenchmarkView({ socket, options }),
    settings: new SettingsView({ options, user, sidebar }),
    usage: new UsageView(),
    admin: user.role === 'admin' ? new AdminView({ options }) : null,
  };
  $('admin-link').hidden = user.role !== 'admin';
  views.conversationSettings = new ConversationSettings({ chat: views.chat });
  installShortcuts({ chat: views.chat });
  new DocumentsPanel({ onPick: (docs) => options.setDocuments(docs) });
  $('logout').addEventListener('click', async () => {
    const out = await api('POST', '/api/auth/logout').catch(() => ({}));
    // A single sign-on user is signed out at their identity provider too, which sends them back here.
    location.assign(out.logoutUrl ?? '/');
  });
  interceptLinks();
  window.addEventListener('confab:route', (e) => showView(e.detail, views));
  await Promise.all([sidebar.refresh(), options.load()]);
  await showView(parseRoute(), views);
  if (location.pathname === '/login') navigate('/', { replace: true });
  markInteractive();
  $('composer-input').focus();
}

/** The moment the first screen can be used, as a User Timing mark that tools can read. */
function markInteractive() {
  document.documentElement.dataset.ready = 'true';
  performance.mark('confab:interactive');
}

window.addEventListener('confab:signed-out', () => location.assign('/login'));

/** Signed in but not yet approved: wait on the pending screen until an admin approves. */
const approved = async (user) => (user.status === 'pending' ? showPending(user) : user);

if (location.pathname === '/set-password') {
  markInteractive();
  await startApp(await showSetPassword(), false);
} else {
  const user = await currentUser();
  if (user) {
    if (user.status === 'pending') markInteractive();
    await startApp(await approved(user), false);
  } else {
    markInteractive();
    const { user: signedIn, created } = await showAuth();
    await startApp(await approved(signedIn), created && signedIn.status !== 'pending');
  }
}
