import { h } from './dom.js';
import { describeError } from './errors.js';

export const PLUGIN_LABELS = { web_search: 'Web search', code_interpreter: 'Code interpreter', rag_lookup: 'Document lookup' };

/** An MCP tool's name, `mcp:<server>:<tool>`, split; null for any other plugin. */
export function mcpTool(name) {
  const m = /^mcp:([^:]+):(.+)$/.exec(name);
  return m ? { server: m[1], tool: m[2] } : null;
}

export function pluginLabel(name) {
  const mcp = mcpTool(name);
  return mcp ? `${mcp.tool} (MCP server ${mcp.server})` : (PLUGIN_LABELS[name] ?? name);
}

const STATUS_TEXT = { running: 'running…', ok: 'done', error: 'failed' };

function safeUrl(url) {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

const asJson = (value) => JSON.stringify(value ?? {}, null, 2);

/** An MCP call: where it ran, what the model sent and what came back (all untrusted, shown as text). */
function mcpDetails(mcp, data, error, args) {
  const sent = data?.arguments ?? args;
  return [
    h('p', { class: 'small muted', text: `Tool ${mcp.tool} of the MCP server ${mcp.server}` }),
    ...(sent === undefined
      ? []
      : [h('p', { class: 'small', text: 'Arguments' }), h('pre', { class: 'mcp-arguments', text: asJson(sent) })]),
    ...(error ? [h('p', { class: 'error', text: describeError(error) })] : []),
    ...(data
      ? [
          h('p', { class: 'small', text: data.truncated ? 'Result (truncated)' : 'Result' }),
          h('pre', { class: 'mcp-result', text: String(data.result ?? '') }),
        ]
      : []),
  ];
}

/** What a plugin returned, as text and links only (its data is untrusted). */
function details(name, data, error, args) {
  const mcp = mcpTool(name);
  if (mcp) return mcpDetails(mcp, data, error, args);
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
export function pluginCall({ name, status, data, error, via, args }) {
  const summary = h(
    'summary',
    {},
    h('span', { class: 'status-dot', dataset: { status }, 'aria-hidden': 'true' }),
    `${pluginLabel(name)}${via === 'tool' ? ' (called by the model)' : ''} — ${STATUS_TEXT[status] ?? status}`,
  );
  return h('details', { dataset: { name } }, summary, ...details(name, data, error, args));
}

/** A stored call record (from the conversation's history) as a finished row. */
export function pluginRecord(record) {
  return pluginCall({
    name: record.name,
    status: record.ok ? 'ok' : 'error',
    data: record.data,
    error: record.error,
    via: record.via,
    args: record.args,
  });
}
