import { sanitizeHighlight } from './sanitize.js';

const ALIASES = {
  js: 'javascript',
  jsx: 'javascript',
  mjs: 'javascript',
  ts: 'typescript',
  tsx: 'typescript',
  py: 'python',
  sh: 'bash',
  shell: 'bash',
  zsh: 'bash',
  console: 'bash',
  yml: 'yaml',
  html: 'xml',
  svg: 'xml',
  md: 'markdown',
  rs: 'rust',
  rb: 'ruby',
  kt: 'kotlin',
  cs: 'csharp',
  'c++': 'cpp',
  golang: 'go',
  ps1: 'powershell',
  psql: 'pgsql',
};

let core;
const languages = new Map();

function loadCore() {
  core ??= import('/vendor/highlight/core.js').then((m) => m.default);
  return core;
}

/** Loads a language grammar once, on first use, so pages without code never fetch the highlighter. */
function loadLanguage(hljs, name) {
  if (hljs.getLanguage(name)) return Promise.resolve();
  if (!languages.has(name)) {
    languages.set(
      name,
      import(`/vendor/highlight/languages/${name}.js`).then((m) => hljs.registerLanguage(name, m.default)).catch(() => {}),
    );
  }
  return languages.get(name);
}

export function languageName(lang) {
  const name = String(lang ?? '').toLowerCase();
  return ALIASES[name] ?? name;
}

/** Colours a code element in place; the highlighter's HTML still passes the sanitiser. */
export async function highlightInto(codeEl, lang) {
  const name = languageName(lang);
  if (!/^[a-z0-9-]{1,40}$/.test(name)) return;
  const hljs = await loadCore();
  await loadLanguage(hljs, name);
  if (!hljs.getLanguage(name) || !codeEl.isConnected || codeEl.dataset.highlighted) return;
  const { value } = hljs.highlight(codeEl.textContent, { language: name, ignoreIllegals: true });
  codeEl.innerHTML = sanitizeHighlight(value);
  codeEl.dataset.highlighted = 'yes';
}
