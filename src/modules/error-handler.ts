import { Elysia } from 'elysia';
import { AppError, errorBody, toAppError } from '../lib/errors';
import { openaiErrorResponse } from './openai-compat/errors';

/** Turns TypeBox's validation error into one sentence a client can act on. */
function validationError(error: unknown): AppError {
  const e = error as { all?: { path?: string; message?: string; summary?: string }[]; type?: string };
  const first = e.all?.[0];
  if (!first) return new AppError('validation_error');
  const where = first.path ? `${e.type ?? 'body'} ${first.path.replace(/^\//, '').replaceAll('/', '.')}` : (e.type ?? 'request');
  return new AppError('validation_error', {
    message: `Invalid ${where}: ${first.summary ?? first.message ?? 'invalid value'}`,
    details: e.all?.slice(0, 5).map((x) => ({ path: x.path, message: x.message })),
  });
}

/** Elysia's own failures in the catalogue's terms; anything else goes through the one normaliser. */
function appErrorOf(code: string | number, error: unknown, request: Request): AppError {
  if (error instanceof AppError) return error;
  // Elysia wraps what a parse hook throws in its own ParseError.
  const cause = (error as { cause?: unknown } | null)?.cause;
  if (cause instanceof AppError) return cause;
  const path = new URL(request.url).pathname;
  switch (code) {
    case 'VALIDATION':
      return validationError(error);
    case 'PARSE':
      return new AppError('invalid_body');
    case 'NOT_FOUND':
      return new AppError('not_found', { message: `No route for ${request.method} ${path}` });
    case 'INVALID_COOKIE_SIGNATURE':
      return new AppError('unauthorized', { message: 'Invalid session cookie' });
  }
  const status = (error as { status?: number } | null)?.status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new AppError('bad_request', { message: (error as Error).message || undefined, status });
  }
  return toAppError(error, 'internal_error', { path, elysiaCode: String(code) });
}

/** The OpenAI-compatible API, whose clients read only OpenAI's error envelope. */
const speaksOpenai = (path: string) => path === '/v1' || path.startsWith('/v1/');

/**
 * One place that maps every failure to the JSON error shape, or under `/v1` to OpenAI's, whatever
 * refused the request (the body guard, validation, routing). Only the public sentence leaves:
 * internal detail, and unknown errors' text, go to the log so internals and secrets never leak.
 */
export const errorHandler = new Elysia({ name: 'error-handler' }).onError({ as: 'global' }, ({ code, error, set, request }) => {
  const app = appErrorOf(code, error, request);
  if (speaksOpenai(new URL(request.url).pathname)) return openaiErrorResponse(app);
  set.status = app.status;
  if (app.headers) Object.assign(set.headers, app.headers);
  return errorBody(app.code, app.publicMessage, app.details);
});
