import { dataTable } from './admin-common.js';
import { api } from './api.js';
import { $, announce, confirmAction, h } from './dom.js';
import { describeError } from './errors.js';
import { mcpTool, pluginLabel } from './plugin-activity.js';
import { PresetsSection } from './presets-view.js';
import { applyTheme, savedTheme } from './theme.js';

const date = (iso) => (iso ? new Date(iso).toLocaleString() : '—');

/** API keys (create, shown once, revoke), plugins allowed for this account, and the theme. */
export class SettingsView {
  constructor({ options, user, sidebar }) {
    this.options = options;
    this.presets = new PresetsSection({ options, isAdmin: user?.role === 'admin', onStart: (c) => sidebar?.upsert(c) });
    this.root = $('settings-view');
    this.keys = h('div', {});
    this.created = h('div', { 'aria-live': 'polite' });
    this.plugins = h('div', {});
    this.accounts = h('div', {});
    this.accountStatus = h('p', { class: 'admin-status', role: 'status' });
    this.accountsSection = h(
      'section',
      { 'aria-labelledby': 'accounts-title', hidden: true },
      h('h2', { id: 'accounts-title', text: 'Connected accounts' }),
      h('p', {
        class: 'muted small',
        text: 'These MCP servers need your own account: connect it to use their tools. Confab keeps your tokens encrypted and forgets them when you disconnect.',
      }),
      this.accountStatus,
      this.accounts,
    );
    const name = h('input', { id: 'key-name', required: true, maxlength: 100, placeholder: 'e.g. laptop script' });
    const form = h(
      'form',
      { class: 'inline-form', 'aria-label': 'Create an API key' },
      h('label', { for: 'key-name', text: 'Name' }),
      name,
      h('button', { type: 'submit', class: 'primary', text: 'Create key' }),
    );
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      if (!name.value.trim()) return name.focus();
      await this.create(name.value.trim()).catch((err) => (this.created.textContent = describeError(err)));
      name.value = '';
    });
    this.root.replaceChildren(
      h(
        'section',
        { 'aria-labelledby': 'instructions-title' },
        h('h2', { id: 'instructions-title', text: 'Custom instructions' }),
        this.instructionsForm(),
      ),
      this.presets.root,
      h(
        'section',
        { 'aria-labelledby': 'keys-title' },
        h('h2', { id: 'keys-title', text: 'API keys' }),
        h('p', {
          class: 'muted small',
          text: 'Use a key as “Authorization: Bearer <key>” with the API or any OpenAI client (base URL: this server’s /v1).',
        }),
        form,
        this.created,
        this.keys,
      ),
      h('section', { 'aria-labelledby': 'plugins-title' }, h('h2', { id: 'plugins-title', text: 'Tools' }), this.plugins),
      this.accountsSection,
      h('section', { 'aria-labelledby': 'password-title' }, h('h2', { id: 'password-title', text: 'Password' }), this.passwordForm()),
      h('section', { 'aria-labelledby': 'theme-title' }, h('h2', { id: 'theme-title', text: 'Appearance' }), this.themeChoice()),
    );
  }

  instructionsForm() {
    this.prompt = h('textarea', {
      id: 'custom-instructions',
      rows: 4,
      maxlength: 20000,
      placeholder: 'e.g. I am a backend developer; answer briefly, with code in TypeScript.',
    });
    this.defaultModel = h('select', { id: 'default-model' });
    const result = h('p', { class: 'admin-status', role: 'status' });
    const submit = h('button', { type: 'submit', class: 'primary', text: 'Save' });
    // Disabled until the stored values arrive, so nothing typed before then is overwritten.
    this.instructionFields = h(
      'fieldset',
      { class: 'plain-fieldset', disabled: true },
      h(
        'label',
        { for: 'custom-instructions' },
        h('span', { text: 'What every conversation should know (a conversation can set its own)' }),
        this.prompt,
      ),
      h('label', { for: 'default-model' }, h('span', { text: 'Model for new chats' }), this.defaultModel),
      h('div', {}, submit),
    );
    const form = h('form', { class: 'stack-form', 'aria-label': 'Custom instructions' }, this.instructionFields, result);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      submit.disabled = true;
      try {
        await api('PATCH', '/api/me/settings', {
          systemPrompt: this.prompt.value.trim() || null,
          defaultModel: this.defaultModel.value || null,
        });
        result.className = 'admin-status ok';
        result.textContent = 'Saved. New messages use these instructions.';
      } catch (err) {
        result.className = 'admin-status error';
        result.textContent = describeError(err);
      } finally {
        submit.disabled = false;
      }
    });
    return form;
  }

  async loadInstructions() {
    this.instructionFields.disabled = true;
    const prefs = await api('GET', '/api/me/settings');
    this.prompt.value = prefs.systemPrompt ?? '';
    this.defaultModel.replaceChildren(
      h('option', { value: '', text: 'The server’s default' }),
      ...(this.options.models ?? []).map((m) => h('option', { value: m.id, text: m.id, selected: m.id === prefs.defaultModel })),
    );
    this.instructionFields.disabled = false;
  }

  passwordForm() {
    const field = (id, label, autocomplete) => {
      const input = h('input', { id, type: 'password', required: true, minlength: id === 'current-password' ? 1 : 8, autocomplete });
      return { input, label: h('label', { for: id }, h('span', { text: label }), input) };
    };
    const current = field('current-password', 'Current password', 'current-password');
    const next = field('next-password', 'New password (at least 8 characters)', 'new-password');
    const result = h('p', { class: 'admin-status', role: 'status' });
    const submit = h('button', { type: 'submit', class: 'primary', text: 'Change password' });
    const form = h(
      'form',
      { class: 'stack-form', 'aria-label': 'Change your password' },
      current.label,
      next.label,
      h('div', {}, submit),
      result,
    );
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      if (!current.input.value || next.input.value.length < 8) {
        result.className = 'admin-status error';
        result.textContent = !current.input.value ? 'Enter your current password.' : 'The new password needs at least 8 characters.';
        return;
      }
      submit.disabled = true;
      try {
        await api('POST', '/api/auth/password', { currentPassword: current.input.value, newPassword: next.input.value });
        result.className = 'admin-status ok';
        result.textContent = 'Password changed. Your other sessions have been logged out.';
        current.input.value = '';
        next.input.value = '';
      } catch (err) {
        result.className = 'admin-status error';
        result.textContent = describeError(err);
      } finally {
        submit.disabled = false;
      }
    });
    return form;
  }

  themeChoice() {
    const current = savedTheme();
    const options = [
      ['system', 'Follow the system'],
      ['light', 'Light'],
      ['dark', 'Dark'],
    ];
    const group = h(
      'fieldset',
      { class: 'theme-choice' },
      h('legend', { class: 'visually-hidden', text: 'Theme' }),
      ...options.map(([value, label]) =>
        h('label', {}, h('input', { type: 'radio', name: 'theme', value, checked: value === current }), ` ${label}`),
      ),
    );
    group.addEventListener('change', (e) => applyTheme(e.target.value));
    return group;
  }

  async show() {
    $('view-title').textContent = 'Settings';
    this.showConnectResult();
    await Promise.all([this.loadKeys(), this.loadPlugins(), this.loadAccounts(), this.loadInstructions(), this.presets.load()]);
  }

  /** What the way back from an authorization server ended in (`?mcp_connected=` or `?mcp_error=`), shown once. */
  showConnectResult() {
    const query = new URLSearchParams(location.search);
    const connected = query.get('mcp_connected');
    const failed = query.get('mcp_error');
    if (!connected && !failed) return;
    this.accountStatus.className = `admin-status ${failed ? 'error' : 'ok'}`;
    this.accountStatus.textContent = failed ? describeError({ code: failed }) : `Your account at ${connected} is connected.`;
    history.replaceState(null, '', location.pathname);
  }

  async loadAccounts() {
    const { servers } = await api('GET', '/api/mcp/oauth');
    this.accountsSection.hidden = servers.length === 0;
    this.accounts.replaceChildren(
      ...servers.map((s) =>
        h(
          'div',
          { class: 'plugin-toggle mcp-account', 'data-server': s.name },
          h('span', { class: 'cell-strong', text: s.name }),
          h('span', {
            class: 'reason muted',
            text: s.connected ? `Connected${s.connectedAt ? ` since ${date(s.connectedAt)}` : ''}` : 'Not connected',
          }),
          s.connected
            ? h('button', {
                type: 'button',
                class: 'danger',
                text: 'Disconnect',
                'aria-label': `Disconnect your account at ${s.name}`,
                on: { click: () => this.disconnect(s) },
              })
            : h('button', {
                type: 'button',
                class: 'primary',
                text: 'Connect',
                'aria-label': `Connect your account at ${s.name}`,
                on: { click: (e) => this.connect(s, e.currentTarget) },
              }),
        ),
      ),
    );
  }

  /** Sends the browser to the server's sign-in; it comes back to this page through the callback. */
  async connect(server, button) {
    button.disabled = true;
    try {
      const started = await api('POST', '/api/mcp/oauth/start', { server: server.serverId });
      if (started.authorizationUrl) return location.assign(started.authorizationUrl);
      this.accountStatus.className = 'admin-status ok';
      this.accountStatus.textContent = `Your account at ${server.name} is connected.`;
      await Promise.all([this.loadAccounts(), this.loadPlugins(), this.options.loadPlugins()]);
    } catch (err) {
      this.accountStatus.className = 'admin-status error';
      this.accountStatus.textContent = describeError(err);
      button.disabled = false;
    }
  }

  async disconnect(server) {
    if (
      !(await confirmAction(
        `Disconnect your account at ${server.name}? Its tools stop working for you until you connect again.`,
        'Disconnect',
      ))
    )
      return;
    await api('DELETE', `/api/mcp/oauth/${server.serverId}`);
    announce(`${server.name} disconnected`);
    await Promise.all([this.loadAccounts(), this.loadPlugins(), this.options.loadPlugins()]);
  }

  async create(name) {
    const key = await api('POST', '/api/keys', { name });
    const copy = h('button', { type: 'button', text: 'Copy key' });
    copy.addEventListener('click', () =>
      navigator.clipboard.writeText(key.key).then(
        () => (copy.textContent = 'Copied'),
        () => (copy.textContent = 'Select and copy it'),
      ),
    );
    this.created.replaceChildren(
      h(
        'div',
        { class: 'new-key', role: 'alert' },
        h('strong', { text: `Key “${key.name}” created. Copy it now: it will not be shown again.` }),
        h('code', { class: 'secret', text: key.key }),
        h('div', {}, copy),
      ),
    );
    await this.loadKeys();
  }

  async loadKeys() {
    const keys = await api('GET', '/api/keys');
    if (!keys.length) return this.keys.replaceChildren(h('p', { class: 'muted', text: 'No keys yet.' }));
    this.keys.replaceChildren(
      dataTable(
        'API keys',
        [
          { title: 'Name', cell: (k) => h('span', { class: 'cell-strong', text: k.name }) },
          { title: 'Key', cell: (k) => h('code', { text: `${k.prefix}…` }) },
          { title: 'Created', cell: (k) => date(k.createdAt) },
          { title: 'Last used', cell: (k) => date(k.lastUsedAt) },
          {
            title: 'Status',
            cell: (k) =>
              k.revokedAt
                ? h('span', { class: 'muted', text: `Revoked ${date(k.revokedAt)}` })
                : h('button', {
                    type: 'button',
                    class: 'danger',
                    text: 'Revoke',
                    'aria-label': `Revoke ${k.name}`,
                    on: { click: () => this.revoke(k) },
                  }),
          },
        ],
        keys,
      ),
    );
  }

  async revoke(key) {
    if (!(await confirmAction(`Revoke “${key.name}”? Programs using it stop working at once.`, 'Revoke'))) return;
    await api('DELETE', `/api/keys/${key.id}`);
    announce(`${key.name} revoked`);
    await this.loadKeys();
  }

  async loadPlugins() {
    const { plugins } = await api('GET', '/api/plugins');
    this.plugins.replaceChildren(
      ...plugins.map((p) => {
        const id = `allow-${p.name}`;
        const box = h('input', { type: 'checkbox', id, checked: p.enabled, disabled: !p.available });
        box.addEventListener('change', async () => {
          await api('PATCH', `/api/plugins/${p.name}`, { enabled: box.checked });
          await this.options.loadPlugins();
        });
        return h(
          'div',
          { class: `plugin-toggle${p.available ? '' : ' unavailable'}` },
          box,
          // An MCP tool's summary already ends with the server it comes from.
          h('label', { for: id, text: `${mcpTool(p.name)?.tool ?? pluginLabel(p.name)} — ${p.summary}` }),
          h('span', {
            class: 'reason muted',
            text: p.available ? (p.enabled ? 'Allowed' : 'Off') : (p.reason ?? 'Not available on this server'),
          }),
        );
      }),
    );
  }
}
