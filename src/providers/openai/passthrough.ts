import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import type { ProviderRequest } from '../types';
import type { MaxTokensField } from './transform';

export interface PassthroughOptions {
  apiKey: string;
  baseURL: string;
  timeoutMs: number;
  maxTokensField: MaxTokensField;
}

/** A caller's body may be passed on as it came only when nothing Confab adds must be woven into it. */
export const canPassThrough = (req: ProviderRequest): req is ProviderRequest & { openaiBody: Record<string, unknown> } =>
  req.openaiBody !== undefined && req.continuation === undefined;

/**
 * The caller's OpenAI body for this upstream: Confab's model id becomes the upstream's model name,
 * the max-tokens field is the one this server knows, and a stream always asks for usage (Confab
 * accounts for it; whether the caller sees it is decided on the way back).
 */
export function passthroughBody(req: ProviderRequest & { openaiBody: Record<string, unknown> }, field: MaxTokensField, stream: boolean) {
  const body: Record<string, unknown> = { ...req.openaiBody, model: req.model };
  const other: MaxTokensField = field === 'max_tokens' ? 'max_completion_tokens' : 'max_tokens';
  if (body[other] != null && body[field] == null) body[field] = body[other];
  delete body[other];
  if (stream) {
    body.stream = true;
    body.stream_options = { include_usage: true };
  } else {
    delete body.stream;
    delete body.stream_options;
  }
  return body;
}

/**
 * `POST <base>/chat/completions` with `fetch` alone, for the gateway's passthrough: the SDK's
 * request machinery (header merging, option cloning, retry bookkeeping) cost more CPU per call
 * than the rest of the gateway together. Failures become the SDK's own error classes, so they are
 * read, retried and reported exactly like the SDK's; the timeout covers the wait for the response
 * head, as the SDK's does.
 */
export function createPassthroughSender(opts: PassthroughOptions) {
  const url = `${opts.baseURL.replace(/\/+$/, '')}/chat/completions`;
  const headers = { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${opts.apiKey}` };

  return async function send(body: Record<string, unknown>, signal: AbortSignal): Promise<Response> {
    if (signal.aborted) throw new APIUserAbortError();
    const controller = new AbortController();
    const onAbort = () => controller.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, opts.timeoutMs);
    let res: Response;
    try {
      res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body), signal: controller.signal });
    } catch (cause) {
      if (signal.aborted) throw new APIUserAbortError();
      if (timedOut) throw new APIConnectionTimeoutError();
      throw new APIConnectionError({ cause: cause instanceof Error ? cause : undefined });
    } finally {
      clearTimeout(timer);
    }
    // The caller's signal keeps governing the body; the timer's job ended with the head.
    if (signal.aborted) controller.abort();
    if (!res.ok) {
      // As the SDK reads a failure: its JSON when it is JSON, else its text as the message.
      const text = await res.text().catch(() => '');
      let parsed: object | undefined;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      throw APIError.generate(res.status, parsed, parsed ? undefined : text, res.headers);
    }
    return res;
  };
}
