import { Elysia } from 'elysia';
import { AppError, errorBody } from '../lib/errors';
import { log } from '../lib/logger';

/** Turns TypeBox's validation error into one sentence a client can act on. */
function validationMessage(error: unknown): { message: string; details?: unknown } {
  const e = error as { all?: { path?: string; message?: string; summary?: string }[]; type?: string };
  const first = e.all?.[0];
  if (!first) return { message: 'Request is invalid' };
  const where = first.path ? `${e.type ?? 'body'} ${first.path.replace(/^\//, '').replaceAll('/', '.')}` : (e.type ?? 'request');
  return {
    message: `Invalid ${where}: ${first.summary ?? first.message ?? 'invalid value'}`,
    details: e.all?.slice(0, 5).map((x) => ({ path: x.path, message: x.message })),
  };
}

/**
 * One place that maps every failure to the JSON error shape. Unknown errors become a 500 with a
 * generic message (their detail goes to the log only) so internals and secrets never leak.
 */
export const errorHandler = new Elysia({ name: 'error-handler' }).onError({ as: 'global' }, ({ code, error, set, request }) => {
  // Elysia wraps what a parse hook throws in its own ParseError.
  const app = error instanceof AppError ? error : (error as { cause?: unknown })?.cause;
  if (app instanceof AppError) {
    set.status = app.status;
    if (app.headers) Object.assign(set.headers, app.headers);
    return errorBody(app.code, app.message, app.details);
  }
  switch (code) {
    case 'VALIDATION': {
      set.status = 400;
      const { message, details } = validationMessage(error);
      return errorBody('validation_error', message, details);
    }
    case 'PARSE':
      set.status = 400;
      return errorBody('invalid_body', 'Request body could not be parsed (malformed JSON or form data)');
    case 'NOT_FOUND':
      set.status = 404;
      return errorBody('not_found', `No route for ${request.method} ${new URL(request.url).pathname}`);
    case 'INVALID_COOKIE_SIGNATURE':
      set.status = 401;
      return errorBody('unauthorized', 'Invalid session cookie');
    default: {
      const status = (error as { status?: number }).status;
      if (typeof status === 'number' && status >= 400 && status < 500) {
        set.status = status;
        return errorBody('bad_request', (error as Error).message || 'Bad request');
      }
      log.error('unhandled error', { error, path: new URL(request.url).pathname, code: String(code) });
      set.status = 500;
      return errorBody('internal_error', 'Internal server error');
    }
  }
});
