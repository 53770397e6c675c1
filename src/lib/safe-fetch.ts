import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { AppError } from './errors';

/**
 * The one door for outbound HTTP that a user or a model can steer (plugin fetches). It resolves
 * names itself, refuses every non-public address at every redirect hop, and then connects to the
 * address it checked (the URL is rewritten to the IP; Host and TLS SNI carry the name, so the
 * certificate is still verified against the name). Operator-configured origins (a self-hosted
 * SearXNG) are the one exception, named explicitly per call.
 *
 * Residual risk: when an HTTP(S) proxy is configured through the environment, the proxy makes the
 * final connection; it is still handed the checked IP, never the name.
 */

export interface SafeFetchOptions {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** Largest body accepted, in bytes after decompression. */
  maxBytes?: number;
  /** Limit for all hops and the body together. */
  timeoutMs?: number;
  maxRedirects?: number;
  signal?: AbortSignal;
  /** Origins (`scheme://host[:port]`) trusted by configuration, exempt from the address check. */
  allowOrigins?: readonly string[];
  /** Name resolution; defaults to the system resolver (all addresses). */
  resolve?: (hostname: string) => Promise<string[]>;
}

export interface SafeResponse {
  status: number;
  ok: boolean;
  /** The URL of the final hop. */
  url: string;
  headers: Headers;
  body: Uint8Array;
  text: string;
}

const DEFAULT_MAX_BYTES = 2 * 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_REDIRECTS = 5;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const HEADERS_KEPT_ACROSS_ORIGINS = new Set(['accept', 'accept-language', 'user-agent']);

const BLOCKED_V4: [string, number][] = [
  ['0.0.0.0', 8], // "this network"; 0.0.0.0 reaches the local host on Linux
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved and broadcast
];

const BLOCKED_V6: [string, number][] = [
  ['::', 96], // unspecified, loopback and the deprecated IPv4-compatible form
  ['100::', 64], // discard
  ['2001::', 32], // Teredo tunnels can reach arbitrary IPv4 hosts
  ['2001:db8::', 32],
  ['fc00::', 7], // unique local, includes fd00:ec2::254 (EC2 metadata)
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
];

/** IPv6 prefixes that embed an IPv4 address at a fixed bit offset; the embedded one is checked too. */
const V4_EMBEDDING_PREFIXES: { prefix: number[]; bits: number }[] = [
  { prefix: [0, 0, 0, 0, 0, 0xffff], bits: 96 }, // IPv4-mapped
  { prefix: [0x64, 0xff9b, 0, 0, 0, 0], bits: 96 }, // NAT64
  { prefix: [0x2002], bits: 16 }, // 6to4
];

function v4Groups(address: string): number[] {
  const [a, b, c, d] = address.split('.').map(Number);
  return [(a << 8) | b, (c << 8) | d];
}

function embeddedV6(prefix: number[], v4: string): string {
  const groups = [...prefix, ...v4Groups(v4)];
  while (groups.length < 8) groups.push(0);
  return groups.map((g) => g.toString(16)).join(':');
}

function buildBlockList(): BlockList {
  const list = new BlockList();
  for (const [net, bits] of BLOCKED_V4) {
    list.addSubnet(net, bits, 'ipv4');
    for (const { prefix, bits: at } of V4_EMBEDDING_PREFIXES) {
      list.addSubnet(embeddedV6(prefix, net), at + bits, 'ipv6');
    }
  }
  for (const [net, bits] of BLOCKED_V6) list.addSubnet(net, bits, 'ipv6');
  return list;
}

const blocked = buildBlockList();

/** True when an IP literal is a public unicast address that plugins may reach. */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  return !blocked.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

function ssrfBlocked(message: string): AppError {
  return new AppError('ssrf_blocked', { message });
}

function parseTarget(raw: string | URL): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw ssrfBlocked('Not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw ssrfBlocked(`Scheme ${url.protocol} is not allowed`);
  if (url.username || url.password) throw ssrfBlocked('URLs with credentials are not allowed');
  return url;
}

async function systemResolve(hostname: string): Promise<string[]> {
  const answers = await lookup(hostname, { all: true, verbatim: true });
  return answers.map((a) => a.address);
}

/** Resolves the URL's host and returns the address to connect to, refusing any non-public answer. */
export async function checkedAddress(url: URL, resolve = systemResolve): Promise<string> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  if (isIP(host)) addresses = [host];
  else {
    try {
      addresses = await resolve(host);
    } catch (cause) {
      throw new AppError('fetch_failed', { message: `Could not resolve ${host}`, cause });
    }
  }
  if (addresses.length === 0) throw new AppError('fetch_failed', { message: `Could not resolve ${host}`, retryable: false });
  // Any private answer refuses the whole name, so a mixed answer cannot be raced into a private one.
  if (!addresses.every(isPublicAddress)) throw ssrfBlocked(`${host} resolves to a non-public address`);
  return addresses[0];
}

/** The request that connects to `address` while still speaking to `url`'s host name. */
export function pinnedRequest(url: URL, address: string): { url: string; host: string; serverName?: string } {
  const pinned = new URL(url);
  const literal = isIP(url.hostname.replace(/^\[|\]$/g, '')) !== 0;
  pinned.hostname = isIP(address) === 6 ? `[${address}]` : address;
  return { url: pinned.toString(), host: url.host, serverName: literal ? undefined : url.hostname };
}

function normalizedOrigins(origins: readonly string[] | undefined): Set<string> {
  return new Set((origins ?? []).map((o) => new URL(o).origin));
}

async function readCapped(res: Response, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await res.body?.cancel();
    throw new AppError('fetch_too_large', { message: `Response is larger than ${maxBytes} bytes` });
  }
  if (!res.body) return new Uint8Array(0);
  const reader = res.body.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw new AppError('fetch_too_large', { message: `Response is larger than ${maxBytes} bytes` });
    }
    parts.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

function rejectOnAbort(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

interface Hop {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body?: string;
}

async function sendHop(hop: Hop, trusted: boolean, opts: SafeFetchOptions, signal: AbortSignal): Promise<Response> {
  const init: BunFetchRequestInit = { method: hop.method, headers: { ...hop.headers }, body: hop.body, redirect: 'manual', signal };
  let target = hop.url.toString();
  if (!trusted) {
    // The resolver takes no signal, so the time limit is enforced around it.
    const address = await Promise.race([checkedAddress(hop.url, opts.resolve), rejectOnAbort(signal)]);
    const pin = pinnedRequest(hop.url, address);
    target = pin.url;
    init.headers = { ...hop.headers, host: pin.host };
    if (pin.serverName) init.tls = { serverName: pin.serverName };
  }
  return fetch(target, init);
}

function nextHop(hop: Hop, res: Response): Hop {
  const location = res.headers.get('location');
  if (!location) throw new AppError('fetch_failed', { message: `Redirect ${res.status} without a Location`, retryable: false });
  const url = parseTarget(new URL(location, hop.url));
  const toGet = res.status === 303 || ((res.status === 301 || res.status === 302) && hop.method === 'POST');
  const sameOrigin = url.origin === hop.url.origin;
  const headers = sameOrigin
    ? hop.headers
    : Object.fromEntries(Object.entries(hop.headers).filter(([k]) => HEADERS_KEPT_ACROSS_ORIGINS.has(k.toLowerCase())));
  return { url, method: toGet ? 'GET' : hop.method, headers, body: toGet ? undefined : hop.body };
}

function translateFailure(err: unknown, timeout: AbortSignal, caller: AbortSignal | undefined, timeoutMs: number): unknown {
  if (err instanceof AppError) return err;
  if (caller?.aborted) return caller.reason instanceof AppError ? caller.reason : new AppError('aborted');
  if (timeout.aborted) return new AppError('fetch_timeout', { message: `No complete response within ${timeoutMs} ms` });
  return new AppError('fetch_failed', { internal: `Fetch failed: ${(err as Error)?.message ?? String(err)}`, cause: err });
}

/** Fetches `url` under the SSRF policy, following redirects itself, with size and time limits. */
export async function safeFetch(url: string | URL, opts: SafeFetchOptions = {}): Promise<SafeResponse> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxRedirects = opts.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
  const allowed = normalizedOrigins(opts.allowOrigins);
  let hop: Hop = { url: parseTarget(url), method: opts.method ?? 'GET', headers: opts.headers ?? {}, body: opts.body };
  try {
    for (let redirects = 0; ; redirects++) {
      const res = await sendHop(hop, allowed.has(hop.url.origin), opts, signal);
      if (!REDIRECTS.has(res.status)) {
        const body = await readCapped(res, opts.maxBytes ?? DEFAULT_MAX_BYTES);
        const text = new TextDecoder().decode(body);
        return { status: res.status, ok: res.ok, url: hop.url.toString(), headers: res.headers, body, text };
      }
      await res.body?.cancel();
      if (redirects >= maxRedirects)
        throw new AppError('fetch_failed', { message: `More than ${maxRedirects} redirects`, retryable: false });
      hop = nextHop(hop, res);
    }
  } catch (err) {
    throw translateFailure(err, timeout, opts.signal, timeoutMs);
  }
}
