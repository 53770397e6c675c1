import { AppError } from '../../lib/errors';
import { safeFetch } from '../../lib/safe-fetch';
import { htmlToText } from './html-text';

export interface PageTextOptions {
  signal: AbortSignal;
  timeoutMs: number;
  allowOrigins: readonly string[];
  maxChars: number;
}

const MAX_PAGE_BYTES = 1024 * 1024;

/** Fetches a result page through the SSRF policy and returns its readable text, cut to `maxChars`. */
export async function fetchPageText(url: string, opts: PageTextOptions): Promise<{ title: string; text: string; truncated: boolean }> {
  const res = await safeFetch(url, {
    headers: { accept: 'text/html,application/xhtml+xml,text/plain;q=0.9' },
    signal: opts.signal,
    timeoutMs: opts.timeoutMs,
    maxBytes: MAX_PAGE_BYTES,
    allowOrigins: opts.allowOrigins,
  });
  if (!res.ok) throw new AppError('page_fetch_failed', { message: `The page answered HTTP ${res.status}` });
  const type = res.headers.get('content-type') ?? '';
  if (!/html|^text\//i.test(type)) throw new AppError('page_not_text', { message: `The page is ${type || 'of unknown type'}, not text` });
  const page = /html/i.test(type) ? htmlToText(res.text) : { title: '', text: res.text.trim() };
  return { title: page.title, text: page.text.slice(0, opts.maxChars), truncated: page.text.length > opts.maxChars };
}
