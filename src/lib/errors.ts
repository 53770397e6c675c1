import type { Static } from '@sinclair/typebox';
import { type ErrorCode, errorCatalogue } from './error-catalogue';
import type { ErrorResponse } from './error-response';
import { log } from './logger';

export interface AppErrorOptions {
  /** This failure's own sentence for the client, where it says more than the catalogue's: the bad field, what was not found. */
  message?: string;
  /** What went wrong inside (exception text, an upstream's answer): kept for the log, never sent to a client. */
  internal?: string;
  /** Only where this failure has a reason to differ from its code's entry, e.g. an upstream's own 4xx passed on. */
  status?: number;
  retryable?: boolean;
  headers?: Record<string, string>;
  /** Structured detail a client may use, such as the fields that failed validation. */
  details?: unknown;
  cause?: unknown;
}

/**
 * One error type for the whole server. `code` names an entry of the error catalogue, which gives the
 * status, whether trying again can help, and the sentence a client reads (`publicMessage`). `message`,
 * as on any Error, is the fullest account for the log: the internal detail when there is one.
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly retryable: boolean;
  readonly publicMessage: string;
  readonly headers?: Record<string, string>;
  readonly details?: unknown;

  constructor(code: ErrorCode, opts: AppErrorOptions = {}) {
    const entry = errorCatalogue[code];
    const publicMessage = opts.message ?? entry.message;
    super(opts.internal ?? publicMessage, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = opts.status ?? entry.status;
    this.retryable = opts.retryable ?? entry.retryable;
    this.publicMessage = publicMessage;
    this.headers = opts.headers;
    this.details = opts.details;
  }
}

export const badRequest = (message: string, details?: unknown) => new AppError('bad_request', { message, details });
export const unauthorized = (message?: string) => new AppError('unauthorized', { message });
export const forbidden = (message?: string) => new AppError('forbidden', { message });
export const notFound = (what?: string) => new AppError('not_found', { message: what === undefined ? undefined : `${what} not found` });
export const conflict = (message: string) => new AppError('conflict', { message });

/**
 * Any thrown value as an AppError: the one way REST, WebSocket, `/v1`, the router and chat and
 * benchmark runs turn a failure into what a client sees. An AppError passes through; anything else
 * was not expected, so its text and stack go to the log and the client gets `fallback`'s sentence.
 */
export function toAppError(err: unknown, fallback: ErrorCode = 'internal_error', logFields: Record<string, unknown> = {}): AppError {
  if (err instanceof AppError) return err;
  log.error('unexpected error', { ...logFields, code: fallback, error: err, stack: err instanceof Error ? err.stack : undefined });
  return new AppError(fallback, { internal: err instanceof Error ? err.message : String(err), cause: err });
}

export type ErrorBody = Static<typeof ErrorResponse>;

export function errorBody(code: ErrorCode, message: string = errorCatalogue[code].message, details?: unknown): ErrorBody {
  return details === undefined ? { error: { code, message } } : { error: { code, message, details } };
}
