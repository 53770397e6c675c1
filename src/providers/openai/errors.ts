import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { readSdkFailure, type UpstreamFailure } from '../provider-error';

const OPENAI_ERRORS = { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError };

export function readOpenAIFailure(err: unknown, signal: AbortSignal): UpstreamFailure {
  return readSdkFailure(OPENAI_ERRORS, err, signal);
}
