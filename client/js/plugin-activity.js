import { h } from './dom.js';
import { describeError } from './errors.js';

export const PLUGIN_LABELS = { web_search: 'Web search', code_interpreter: 'Code interpreter', rag_lookup: 'Document lookup' };

export const pluginLabel = (name) => PLUGIN_LABELS[name] ?? name;

const STATUS_TEXT = { running: 'running…', ok: 'done', error: 'failed' };

function safeUrl(url) {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

/** What a plugin returned, as text and links only (its data is untrusted). */
function details(name, data, error) {
  if (error) return [h('p', { class: 'error', text: describeError(error) })];
  if (!data) return [];
  if (name === 'web_search' && Array.isArray(data.results)) {
    return [
      h('p', { class: 'small muted', text: `“${data.query}” — ${data.results.length} result(s)` }),
      h(
        'ol',
        {},
        data.results.map((r) => {
          const href = safeUrl(r.url);
          return h(
            'li',
            {},
            href ? h('a', { href, target: '_blank', rel: 'noopener noreferrer nofollow', text: r.title || href }) : r.title,
          );
        }),
      ),
    ];
  }
  if (name === 'rag_lookup' && Array.isArray(data.citations)) {
    return [h('p', { class: 'small muted', text: `${data.citations.length} passage(s) found for “${data.query}”` })];
  }
  if (name === 'code_interpreter') {
    const lines = [
      data.stdout,
      data.value !== undefined ? `→ ${data.value}` : '',
      data.error ? `${data.error.name}: ${data.error.message}` : '',
    ];
    return [h('pre', { text: lines.filter(Boolean).join('\n') || `(${data.status ?? 'no output'})` })];
  }
  return [h('pre', { text: JSON.stringify(data, null, 2).slice(0, 4000) })];
}

/** One plugin call in a turn: a row whose status follows the call's frames. */
export function pluginCall({ name, status, data, error, via }) {
  const summary = h(
    'summary',
    {},
    h('span', { class: 'status-dot', dataset: { status }, 'aria-hidden': 'true' }),
    `${pluginLabel(name)}${via === 'tool' ? ' (called by the model)' : ''} — ${STATUS_TEXT[status] ?? status}`,
  );
  return h('details', { dataset: { name } }, summary, ...details(name, data, error));
}

/** A stored call record (from the conversation's history) as a finished row. */
export function pluginRecord(record) {
  return pluginCall({ name: record.name, status: record.ok ? 'ok' : 'error', error: record.error, via: record.via });
}
