import { AppError } from '../../lib/errors';
import { log } from '../../lib/logger';

const TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'invalid_request_error',
  409: 'invalid_request_error',
  413: 'invalid_request_error',
  429: 'rate_limit_error',
};

/** OpenAI's error envelope, so OpenAI clients raise their usual typed errors. */
export function openaiErrorBody(status: number, code: string, message: string) {
  return { error: { message, type: TYPES[status] ?? (status >= 500 ? 'server_error' : 'invalid_request_error'), param: null, code } };
}

export function openaiErrorResponse(err: unknown): Response {
  const app = err instanceof AppError ? err : undefined;
  if (!app) log.error('unhandled error in /v1', { error: err });
  const status = app?.status ?? 500;
  const code = app?.code === 'rate_limited' ? 'rate_limit_exceeded' : (app?.code ?? 'internal_error');
  const body = openaiErrorBody(status, code, app?.message ?? 'Internal server error');
  return Response.json(body, { status: status === 499 ? 400 : status, headers: app?.headers });
}
