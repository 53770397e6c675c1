import { act, dataTable, getJson, statusLine } from './admin-common.js';
import { api } from './api.js';
import { announce, confirmAction, formatNumber, h } from './dom.js';
import { describeError } from './errors.js';

/** MCP servers whose tools users may switch on in a chat: add (with a token, or each user's own OAuth account), enable, test, delete. */
export class AdminMcp {
  constructor({ onChange }) {
    this.onChange = onChange;
    this.status = statusLine();
    this.list = h('div', {});
    this.root = h(
      'section',
      { 'aria-labelledby': 'admin-mcp-title' },
      h('h2', { id: 'admin-mcp-title', text: 'MCP servers' }),
      h('p', {
        class: 'muted small',
        text: 'Tools of a Model Context Protocol server appear in everyone’s Tools menu as soon as it is saved. Tokens are stored encrypted and never shown again.',
      }),
      this.addForm(),
      this.status.el,
      this.list,
    );
  }

  addForm() {
    const name = h('input', {
      id: 'mcp-name',
      required: true,
      pattern: '[a-z0-9][a-z0-9_\\-]{0,29}',
      placeholder: 'e.g. tickets',
      autocomplete: 'off',
    });
    const url = h('input', { id: 'mcp-url', type: 'url', required: true, placeholder: 'https://mcp.example.com/mcp', autocomplete: 'off' });
    const token = h('input', { id: 'mcp-token', type: 'password', placeholder: 'optional bearer token', autocomplete: 'off' });
    const auth = h(
      'select',
      { id: 'mcp-auth' },
      h('option', { value: 'shared', text: 'One connection for everyone (no token, or the token below)' }),
      h('option', { value: 'oauth', text: 'Each user connects their own account (OAuth)' }),
    );
    const clientId = h('input', { id: 'mcp-client-id', placeholder: 'optional: registered dynamically when empty', autocomplete: 'off' });
    const clientSecret = h('input', { id: 'mcp-client-secret', type: 'password', placeholder: 'optional', autocomplete: 'off' });
    const scope = h('input', { id: 'mcp-scope', placeholder: 'optional: what the server advertises', autocomplete: 'off' });
    const tokenLabel = h('label', { for: 'mcp-token' }, h('span', { text: 'Token' }), token);
    const oauthFields = h(
      'div',
      { class: 'stack-form', hidden: true },
      h('label', { for: 'mcp-client-id' }, h('span', { text: 'OAuth client ID' }), clientId),
      h('label', { for: 'mcp-client-secret' }, h('span', { text: 'OAuth client secret' }), clientSecret),
      h('label', { for: 'mcp-scope' }, h('span', { text: 'Scopes' }), scope),
    );
    auth.addEventListener('change', () => {
      tokenLabel.hidden = auth.value === 'oauth';
      oauthFields.hidden = auth.value !== 'oauth';
    });
    const submit = h('button', { type: 'submit', class: 'primary', text: 'Add MCP server' });
    const form = h(
      'form',
      { class: 'stack-form', 'aria-label': 'Add an MCP server' },
      h('label', { for: 'mcp-name' }, h('span', { text: 'Name' }), name),
      h('label', { for: 'mcp-url' }, h('span', { text: 'URL (Streamable HTTP or HTTP+SSE)' }), url),
      h('label', { for: 'mcp-auth' }, h('span', { text: 'Sign-in' }), auth),
      tokenLabel,
      oauthFields,
      h('div', {}, submit),
    );
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      if (!name.validity.valid) return name.reportValidity();
      if (!url.validity.valid) return url.reportValidity();
      const body = { name: name.value.trim(), url: url.value.trim() };
      if (auth.value === 'oauth') {
        body.auth = 'oauth';
        if (clientId.value.trim()) body.oauthClientId = clientId.value.trim();
        if (clientSecret.value) body.oauthClientSecret = clientSecret.value;
        if (scope.value.trim()) body.oauthScope = scope.value.trim();
      } else if (token.value) body.token = token.value;
      const created = await act(submit, this.status, () => api('POST', '/api/admin/mcp-servers', body));
      if (!created) return;
      name.value = '';
      url.value = '';
      token.value = '';
      clientSecret.value = '';
      await this.show();
      this.status.ok(`${created.name} added`);
      announce(`${created.name} added`);
      await this.onChange?.();
    });
    return form;
  }

  async show() {
    const servers = await act(null, this.status, () => getJson('/api/admin/mcp-servers'));
    if (!servers) return;
    this.list.replaceChildren(
      dataTable(
        'MCP servers',
        [
          { title: 'Name', cell: (s) => h('span', { class: 'cell-strong', text: s.name }) },
          { title: 'Address', cell: (s) => h('code', { text: s.url ?? [s.command, ...s.args].join(' ') }) },
          {
            title: 'Sign-in',
            cell: (s) =>
              s.auth === 'oauth'
                ? h('span', { text: `Each user’s account${s.oauthClientId ? ` (client ${s.oauthClientId})` : ''}` })
                : h('code', { text: s.tokenMasked ?? '—' }),
          },
          { title: 'Tools', cell: (s) => (s.tools.length ? s.tools.join(', ') : s.lastError ? `not reachable: ${s.lastError}` : '—') },
          { title: 'Enabled', cell: (s) => this.enabledBox(s) },
          { title: 'Actions', cell: (s) => this.actions(s) },
        ],
        servers,
        'No MCP servers yet.',
      ),
    );
  }

  enabledBox(s) {
    const box = h('input', { type: 'checkbox', checked: s.enabled, 'aria-label': `${s.name} enabled` });
    box.addEventListener('change', async () => {
      const ok = await act(box, this.status, () => api('PATCH', `/api/admin/mcp-servers/${s.id}`, { enabled: box.checked }));
      if (!ok) box.checked = !box.checked;
      else await this.onChange?.();
    });
    return box;
  }

  actions(s) {
    const result = h('span', { class: 'test-result', role: 'status' });
    const test = h('button', { type: 'button', text: 'Test', 'aria-label': `Test ${s.name}` });
    test.addEventListener('click', async () => {
      result.textContent = 'Testing…';
      const r = await act(test, this.status, () => api('POST', `/api/admin/mcp-servers/${s.id}/test`));
      if (!r) return (result.textContent = '');
      result.className = `test-result ${r.ok ? 'ok' : 'error'}`;
      result.textContent = r.authorizationServer
        ? `Reached in ${formatNumber(r.latencyMs)} ms · users sign in at ${r.authorizationServer}`
        : r.ok
          ? `Reached in ${formatNumber(r.latencyMs)} ms · ${r.tools.length} tool${r.tools.length === 1 ? '' : 's'}: ${r.tools
              .slice(0, 6)
              .map((t) => t.name)
              .join(', ')}${r.tools.length > 6 ? '…' : ''}`
          : `Failed after ${formatNumber(r.latencyMs)} ms: ${describeError(r.error)}`;
    });
    const del = h('button', {
      type: 'button',
      class: 'danger',
      text: 'Delete',
      'aria-label': `Delete ${s.name}`,
      on: { click: () => this.remove(s) },
    });
    return h('div', { class: 'admin-actions' }, test, del, result);
  }

  async remove(s) {
    if (!(await confirmAction(`Delete the MCP server “${s.name}”? Its tools leave every chat at once.`))) return;
    const ok = await act(null, this.status, () => api('DELETE', `/api/admin/mcp-servers/${s.id}`).then(() => true));
    if (!ok) return;
    await this.show();
    await this.onChange?.();
  }
}
