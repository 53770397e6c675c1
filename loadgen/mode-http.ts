import type { Executor, Target } from './executor';
import { Http1Pool } from './http1-pool';

export interface HttpRequestSpec {
  method: string;
  body: string | null;
}

/** Plain HTTP against any URL, on the raw keep-alive pool. */
export function httpExecutor(target: Target, spec: HttpRequestSpec): Executor {
  const url = new URL(target.url);
  const tls = url.protocol === 'https:';
  if (!tls && url.protocol !== 'http:') throw new Error(`--mode http needs an http(s) URL, got ${url.protocol}`);
  const pool = new Http1Pool(
    {
      hostname: url.hostname.replace(/^\[|\]$/g, ''),
      port: Number(url.port || (tls ? 443 : 80)),
      tls,
      request: encodeRequest(url, spec.method.toUpperCase(), target.headers, spec.body),
      bodyless: spec.method.toUpperCase() === 'HEAD',
    },
    target.timeoutMs,
  );
  return { run: () => pool.request(), close: () => pool.close() };
}

function encodeRequest(url: URL, method: string, headers: Record<string, string>, body: string | null): Uint8Array {
  const payload = body === null ? null : new TextEncoder().encode(body);
  let head = `${method} ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\n`;
  const names = new Set(Object.keys(headers).map((h) => h.toLowerCase()));
  for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
  if (payload && !names.has('content-type')) head += 'Content-Type: application/json\r\n';
  if (payload || ['POST', 'PUT', 'PATCH'].includes(method)) head += `Content-Length: ${payload?.length ?? 0}\r\n`;
  const headBytes = new TextEncoder().encode(head + '\r\n');
  if (!payload) return headBytes;
  const out = new Uint8Array(headBytes.length + payload.length);
  out.set(headBytes, 0);
  out.set(payload, headBytes.length);
  return out;
}
