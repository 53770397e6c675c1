import { fileURLToPath } from 'node:url';
import { staticPlugin } from '@elysiajs/static';
import { Elysia } from 'elysia';
import { errorBody } from '../../lib/errors';
import { ERROR_CATALOGUE_PATH, errorCatalogueScript } from './error-catalogue-script';
import { UI_HEADERS } from './security-headers';
import { vendorFile } from './vendor';

export const CLIENT_DIR = fileURLToPath(new URL('../../../client/', import.meta.url));

/** Paths the single-page UI answers itself; each returns the same shell. */
export const UI_ROUTES = ['/', '/login', '/c/:id', '/benchmark', '/settings', '/usage', '/admin', '/admin/:tab', '/set-password'] as const;

const hide = { detail: { hide: true } };

/** Listed once at load (awaited here so the routes exist before the first request). */
const clientFiles = await staticPlugin({
  assets: CLIENT_DIR,
  prefix: '/',
  alwaysStatic: true,
  indexHTML: false,
  ignorePatterns: [/\.html$/, /[\\/]e2e[\\/]/, /\.ts$/],
  headers: UI_HEADERS,
  maxAge: 0,
  directive: 'no-cache',
  silent: true,
});

function shell(): Response {
  return new Response(Bun.file(`${CLIENT_DIR}index.html`), {
    headers: { ...UI_HEADERS, 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' },
  });
}

/**
 * Serves the browser UI: the shell for each UI route, the files in `client/` (listed once, so
 * unknown paths such as `/api/...` still reach the JSON 404), the error catalogue's sentences and
 * browser libraries from node_modules under `/vendor/`.
 */
export const webModule = () => {
  const app = new Elysia({ name: 'web' }).use(clientFiles).get(ERROR_CATALOGUE_PATH, errorCatalogueScript, hide);
  for (const route of UI_ROUTES) app.get(route, shell, hide);
  return app.get(
    '/vendor/*',
    ({ params, set }) => {
      const file = vendorFile(params['*']);
      if (!file) {
        set.status = 404;
        return errorBody('not_found', 'No such vendor file');
      }
      return new Response(file.body, {
        headers: { ...UI_HEADERS, 'content-type': file.contentType, 'cache-control': 'public, max-age=3600' },
      });
    },
    hide,
  );
};
