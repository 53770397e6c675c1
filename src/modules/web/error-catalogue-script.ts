import { errorCatalogue } from '../../lib/error-catalogue';
import { UI_HEADERS } from './security-headers';

/** The path `client/js/errors.js` imports its sentences from; no file by that name exists in `client/`. */
export const ERROR_CATALOGUE_PATH = '/js/error-catalogue.js';

const messages = Object.fromEntries(Object.entries(errorCatalogue).map(([code, entry]) => [code, entry.message]));

/** The catalogue's sentences as an ES module, so the UI words every error exactly as the server does. */
export const errorCatalogueSource = `export const errorMessages = ${JSON.stringify(messages, null, 2)};\n`;

export function errorCatalogueScript(): Response {
  return new Response(errorCatalogueSource, {
    headers: { ...UI_HEADERS, 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache' },
  });
}
