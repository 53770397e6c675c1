import type { ErrorCode } from '../../lib/error-catalogue';
import { type AppError, toAppError } from '../../lib/errors';

const TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'invalid_request_error',
  409: 'invalid_request_error',
  413: 'invalid_request_error',
  429: 'rate_limit_error',
};

/**
 * Where OpenAI answers the same failure with its own code, or its own status, which its clients
 * turn into a typed error (`NotFoundError` for a model it does not have).
 */
const OPENAI_SPELLING: Partial<Record<ErrorCode, { code: string; status?: number }>> = {
  rate_limited: { code: 'rate_limit_exceeded' },
  unknown_model: { code: 'model_not_found', status: 404 },
  quota_exceeded: { code: 'insufficient_quota' },
};
/** Where OpenAI's clients expect OpenAI's own type for the same failure. */
const OPENAI_TYPES: Partial<Record<ErrorCode, string>> = { quota_exceeded: 'insufficient_quota' };
/** OpenAI's clients retry a 429 on their own unless told not to; a used-up quota does not return in seconds. */
const NOT_RETRIED: ReadonlySet<ErrorCode> = new Set(['quota_exceeded']);

/** The status OpenAI's clients expect; a cancelled request is a 400 to them. */
function openaiStatus(err: AppError): number {
  const status = OPENAI_SPELLING[err.code]?.status ?? err.status;
  return status === 499 ? 400 : status;
}

/** OpenAI's error envelope with the catalogue's wording, so OpenAI clients raise their usual typed errors. */
export function openaiErrorBody(err: AppError) {
  const status = openaiStatus(err);
  const type = OPENAI_TYPES[err.code] ?? TYPES[status] ?? (status >= 500 ? 'server_error' : 'invalid_request_error');
  return { error: { message: err.publicMessage, type, param: null, code: OPENAI_SPELLING[err.code]?.code ?? err.code } };
}

export function openaiErrorResponse(err: unknown): Response {
  const app = toAppError(err, 'internal_error', { api: '/v1' });
  const headers = NOT_RETRIED.has(app.code) ? { ...app.headers, 'x-should-retry': 'false' } : app.headers;
  return Response.json(openaiErrorBody(app), { status: openaiStatus(app), headers });
}
