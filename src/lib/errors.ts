/**
 * One error type for the whole server. `status` drives the HTTP answer, `code` is the stable
 * machine-readable name clients switch on, `retryable` tells the router and clients whether
 * trying again can help.
 */
export class AppError extends Error {
  readonly code: string;
  readonly status: number;
  readonly retryable: boolean;
  readonly headers?: Record<string, string>;
  readonly details?: unknown;

  constructor(
    code: string,
    message: string,
    status = 500,
    opts: { retryable?: boolean; headers?: Record<string, string>; details?: unknown; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = status;
    this.retryable = opts.retryable ?? false;
    this.headers = opts.headers;
    this.details = opts.details;
  }
}

export const badRequest = (message: string, details?: unknown) => new AppError('bad_request', message, 400, { details });
export const unauthorized = (message = 'Authentication required') => new AppError('unauthorized', message, 401);
export const forbidden = (message = 'Not allowed') => new AppError('forbidden', message, 403);
export const notFound = (what = 'Resource') => new AppError('not_found', `${what} not found`, 404);
export const conflict = (message: string) => new AppError('conflict', message, 409);

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

export function errorBody(code: string, message: string, details?: unknown): ErrorBody {
  return details === undefined ? { error: { code, message } } : { error: { code, message, details } };
}
