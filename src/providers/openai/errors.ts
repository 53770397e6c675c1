import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import type { UpstreamFailure } from '../provider-error.ts';

export function readOpenAIFailure(err: unknown, signal: AbortSignal): UpstreamFailure {
  const message = err instanceof Error ? err.message : String(err);
  if (signal.aborted || err instanceof APIUserAbortError) return { kind: 'abort', message: 'request cancelled' };
  if (err instanceof APIConnectionTimeoutError) return { kind: 'timeout', message };
  if (err instanceof APIConnectionError) return { kind: 'connection', message };
  if (err instanceof APIError) {
    if (err.status === undefined) return { kind: 'stream', message };
    return { kind: 'http', status: err.status, headers: err.headers, message };
  }
  return { kind: 'stream', message };
}
