import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const NODE_MODULES = fileURLToPath(new URL('../../../node_modules/', import.meta.url));

/** A browser library served from node_modules, so the UI never depends on a CDN. */
export interface VendorFile {
  body: string;
  contentType: string;
}

const JS = 'text/javascript; charset=utf-8';
const cache = new Map<string, VendorFile>();

function read(relative: string): string {
  return readFileSync(NODE_MODULES + relative, 'utf8').replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n');
}

/**
 * highlight.js publishes its core only as CommonJS (its `es/core.js` re-imports that file), so the
 * core is wrapped into an ES module here; its language files are already ES modules.
 */
function highlightCore(): string {
  return `const module = { exports: {} };\n${read('highlight.js/lib/core.js')}\nexport default module.exports;\n`;
}

const FIXED: Record<string, () => string> = {
  'marked.js': () => read('marked/lib/marked.esm.js'),
  'purify.js': () => read('dompurify/dist/purify.es.mjs'),
  'highlight/core.js': highlightCore,
};

const LANGUAGE = /^highlight\/languages\/([a-z0-9-]{1,40})\.js$/;

/** The vendor file for a path under /vendor/, or null when there is none (never a path outside). */
export function vendorFile(path: string): VendorFile | null {
  const hit = cache.get(path);
  if (hit !== undefined) return hit;
  let body: string | undefined;
  if (FIXED[path]) body = FIXED[path]();
  else {
    const language = LANGUAGE.exec(path)?.[1];
    const file = language && `highlight.js/es/languages/${language}.js`;
    if (file && existsSync(NODE_MODULES + file)) body = read(file);
  }
  if (body === undefined) return null;
  const result = { body, contentType: JS };
  cache.set(path, result);
  return result;
}
