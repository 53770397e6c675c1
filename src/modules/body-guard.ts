import { Elysia } from 'elysia';
import { AppError } from '../lib/errors';
import { hasUnstorableText } from '../lib/storable-text';

/** JSON bodies are small; only uploads (multipart) may approach MAX_UPLOAD_MB. */
export const JSON_BODY_LIMIT = 1024 * 1024;

/**
 * How deep objects and arrays may nest in a JSON body. No route's schema goes past a handful of
 * levels, and validating (and describing the failure of) a much deeper value overflows the stack.
 */
export const JSON_DEPTH_LIMIT = 64;

const JSON_TYPE = 'application/json';

/** The routes as the app lists them (`app.routes`): each may declare the body type it takes (`type`). */
export type DeclaredRoutes = readonly { method: string; path: string; hooks: { type?: string | readonly string[] } }[];

/** Elysia's short names for the media types a route may declare. */
const MEDIA_TYPES: Record<string, string> = {
  json: JSON_TYPE,
  text: 'text/plain',
  formdata: 'multipart/form-data',
  urlencoded: 'application/x-www-form-urlencoded',
  arrayBuffer: 'application/octet-stream',
};

/** Which media types each route takes: what it declares, else JSON. Read once, when every route exists. */
function acceptedTypes(routes: () => DeclaredRoutes): (method: string, route: string) => readonly string[] {
  let byRoute: Map<string, string[]> | undefined;
  return (method, route) => {
    byRoute ??= new Map(
      routes()
        .filter((r) => r.hooks.type !== undefined)
        .map((r) => [`${r.method} ${r.path}`, [r.hooks.type!].flat().map((t) => MEDIA_TYPES[t] ?? t)]),
    );
    return byRoute.get(`${method} ${route}`) ?? [JSON_TYPE];
  };
}

const tooLarge = (limit: number) => new AppError('payload_too_large', { message: `Request body exceeds ${Math.floor(limit / 1024)} KiB` });

/** Whether objects and arrays nest deeper than `limit` in JSON text; brackets inside strings do not count. */
function nestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

/**
 * Limits that hold for every request: no NUL in its URL, and no NUL or broken Unicode in its body; a body of the type its route takes (JSON
 * unless the route declares another) and of a bounded size, a declared length checked before
 * reading and an undeclared (chunked) one while parsing; JSON nested no deeper than
 * JSON_DEPTH_LIMIT, checked before anything validates it.
 */
export const bodyGuard = (maxUploadBytes: number, routes: () => DeclaredRoutes) => {
  const accepts = acceptedTypes(routes);
  return new Elysia({ name: 'body-guard' })
    .onRequest(({ request }) => {
      // The path and query are percent-decoded into params and query values; a raw NUL never gets past Bun's parser.
      if (/%00/i.test(request.url)) throw new AppError('invalid_text', { message: 'The URL must not contain NUL (%00) characters.' });
      const length = Number(request.headers.get('content-length') ?? 0);
      if (!length) return;
      const multipart = request.headers.get('content-type')?.startsWith('multipart/form-data');
      const limit = multipart ? maxUploadBytes : JSON_BODY_LIMIT;
      if (length > limit) throw tooLarge(limit);
    })
    .onParse({ as: 'global' }, async ({ request, contentType, route }) => {
      if (!request.body) return;
      const type = contentType.trim().toLowerCase();
      const accepted = accepts(request.method, route);
      // A form or plain-text body is one a page on any site can make a browser send; only the declared type is read.
      if (!accepted.includes(type)) {
        throw new AppError('unsupported_media_type', { message: `This request's body must be ${accepted.join(' or ')}.` });
      }
      if (type !== JSON_TYPE) return;
      const text = await request.text();
      if (text.length > JSON_BODY_LIMIT) throw tooLarge(JSON_BODY_LIMIT);
      if (nestsDeeperThan(text, JSON_DEPTH_LIMIT)) throw new AppError('body_too_deep');
      try {
        return text ? JSON.parse(text) : undefined;
      } catch {
        throw new AppError('invalid_body', { message: 'Request body is not valid JSON' });
      }
    })
    .onTransform({ as: 'global' }, ({ body }) => {
      if (body !== undefined && hasUnstorableText(body)) {
        throw new AppError('invalid_text');
      }
    });
};
