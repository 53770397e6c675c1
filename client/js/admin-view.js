import { AdminAudit } from './admin-audit.js';
import { AdminConnections } from './admin-connections.js';
import { AdminGroups } from './admin-groups.js';
import { AdminMcp } from './admin-mcp.js';
import { AdminModels } from './admin-models.js';
import { AdminServer } from './admin-server.js';
import { AdminUsage } from './admin-usage.js';
import { AdminUsers } from './admin-users.js';
import { $, h } from './dom.js';
import { navigate } from './router.js';

const TABS = [
  ['users', 'Users'],
  ['connections', 'Connections'],
  ['models', 'Models'],
  ['mcp', 'MCP servers'],
  ['groups', 'Groups'],
  ['usage', 'Usage'],
  ['audit', 'Audit log'],
  ['server', 'Server'],
];

/** The admin area: one tab per thing an admin runs, each at its own path (`/admin/<tab>`). */
export class AdminView {
  constructor({ options }) {
    const refreshModels = () => options.load();
    this.panels = {
      users: new AdminUsers(),
      connections: new AdminConnections({ onChange: refreshModels }),
      models: new AdminModels({ onChange: refreshModels }),
      mcp: new AdminMcp({ onChange: () => options.loadPlugins() }),
      groups: new AdminGroups(),
      usage: new AdminUsage(),
      audit: new AdminAudit(),
      server: new AdminServer(),
    };
    this.root = $('admin-view');
    this.tabs = h(
      'nav',
      { class: 'admin-tabs', 'aria-label': 'Admin sections' },
      TABS.map(([id, label]) => h('a', { href: `/admin/${id}`, 'data-link': true, dataset: { tab: id }, text: label })),
    );
    this.panel = h('div', { class: 'admin-panel' });
    this.root.replaceChildren(this.tabs, this.panel);
  }

  async show(tab = 'users') {
    if (!this.panels[tab]) return navigate('/admin/users', { replace: true });
    $('view-title').textContent = `Admin · ${TABS.find(([id]) => id === tab)[1]}`;
    for (const a of this.tabs.children) {
      if (a.dataset.tab === tab) {
        a.setAttribute('aria-current', 'page');
        a.scrollIntoView({ block: 'nearest', inline: 'nearest' });
      } else a.removeAttribute('aria-current');
    }
    this.panel.replaceChildren(this.panels[tab].root);
    await this.panels[tab].show();
  }
}
