import { Elysia } from 'elysia';
import { AppError } from '../lib/errors';

/** JSON bodies are small; only uploads (multipart) may approach MAX_UPLOAD_MB. */
export const JSON_BODY_LIMIT = 1024 * 1024;

const tooLarge = (limit: number) => new AppError('payload_too_large', { message: `Request body exceeds ${Math.floor(limit / 1024)} KiB` });

/** PostgreSQL text cannot hold NUL, so such input is refused up front instead of failing mid-write. */
function containsNul(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (depth > 32 || value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return value.some((v) => containsNul(v, depth + 1));
  return Object.values(value).some((v) => containsNul(v, depth + 1));
}

/**
 * Limits that hold for every request: no NUL in its URL; a JSON body of a bounded size, a declared
 * length checked before reading and an undeclared (chunked) one while parsing.
 */
export const bodyGuard = (maxUploadBytes: number) =>
  new Elysia({ name: 'body-guard' })
    .onRequest(({ request }) => {
      // The path and query are percent-decoded into params and query values; a raw NUL never gets past Bun's parser.
      if (/%00/i.test(request.url)) throw new AppError('invalid_text', { message: 'The URL must not contain NUL (%00) characters.' });
      const length = Number(request.headers.get('content-length') ?? 0);
      if (!length) return;
      const multipart = request.headers.get('content-type')?.startsWith('multipart/form-data');
      const limit = multipart ? maxUploadBytes : JSON_BODY_LIMIT;
      if (length > limit) throw tooLarge(limit);
    })
    .onParse({ as: 'global' }, async ({ request, contentType }) => {
      if (!contentType?.startsWith('application/json')) return;
      const text = await request.text();
      if (text.length > JSON_BODY_LIMIT) throw tooLarge(JSON_BODY_LIMIT);
      try {
        return text ? JSON.parse(text) : undefined;
      } catch {
        throw new AppError('invalid_body', { message: 'Request body is not valid JSON' });
      }
    })
    .onTransform({ as: 'global' }, ({ body }) => {
      if (body !== undefined && containsNul(body)) {
        throw new AppError('invalid_text');
      }
    });
