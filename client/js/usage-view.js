import { usd, when } from './admin-common.js';
import { api } from './api.js';
import { $, formatNumber, h } from './dom.js';

const SOURCE = { user: 'set for you', group: 'from your group', default: 'server default' };

function quotaCard(title, quota, format) {
  const limited = quota.limit !== null;
  const spent = quota.used + quota.reserved;
  const share = limited && quota.limit > 0 ? Math.min(1, spent / quota.limit) : limited ? 1 : 0;
  return h(
    'div',
    { class: 'quota-card' },
    h('h3', { text: title }),
    limited
      ? h('meter', { min: 0, max: 1, value: share, high: 0.8, optimum: 0, 'aria-label': `${title}: ${Math.round(share * 100)}% used` })
      : null,
    h(
      'p',
      {},
      limited
        ? `${format(spent)} of ${format(quota.limit)} used · ${format(Math.max(0, quota.remaining ?? 0))} left`
        : `${format(spent)} used · no limit`,
    ),
    h('p', { class: 'muted small', text: `${SOURCE[quota.source]} · resets ${when(quota.resetsAt)}` }),
  );
}

function period(title, p) {
  return h(
    'div',
    { class: 'stat' },
    h('span', { class: 'muted small', text: title }),
    h('strong', { text: `${formatNumber(p.tokens)} tokens` }),
    h('span', { class: 'small', text: `${formatNumber(p.requests)} requests · ${usd(p.costUsd)}` }),
  );
}

/** A user's own usage: today and this month, and what their quotas leave. */
export class UsageView {
  constructor() {
    this.root = $('usage-view');
  }

  async show() {
    $('view-title').textContent = 'Usage';
    const u = await api('GET', '/api/usage');
    const rate = (r, unit) => (r.limit === null ? `no ${unit} limit` : `${formatNumber(r.limit)} ${unit} (${SOURCE[r.source]})`);
    this.root.replaceChildren(
      h(
        'section',
        { 'aria-labelledby': 'usage-title' },
        h('h2', { id: 'usage-title', text: 'Your usage' }),
        h('div', { class: 'usage-totals' }, period('Today (UTC)', u.today), period('This month', u.month)),
        h(
          'div',
          { class: 'quota-cards' },
          quotaCard('Tokens today', u.limits.tokensPerDay, (v) => formatNumber(v)),
          quotaCard('Spend this month', u.limits.usdPerMonth, usd),
        ),
        h('p', {
          class: 'muted small',
          text: `Rate limits: ${rate(u.limits.rpm, 'requests/minute')}, ${rate(u.limits.tpm, 'tokens/minute')}.`,
        }),
      ),
    );
  }
}
