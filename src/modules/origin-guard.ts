import { Elysia } from 'elysia';
import type { Config } from '../config';
import { AppError } from '../lib/errors';
import { bearer, SESSION_COOKIE } from './auth/guard';

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function hasCookie(header: string | null, name: string): boolean {
  return !!header && header.split(';').some((part) => part.split('=', 1)[0].trim() === name);
}

/**
 * Whether the browser would attach the session cookie on its own, whoever's page asked: a
 * state-changing request or a WebSocket upgrade carrying the cookie, and no API key (with one, the
 * cookie is not what authenticates it, and a page on another site cannot set that header).
 */
function ridesOnTheCookie(request: Request, proxyHeader: string | undefined): boolean {
  const upgrade = request.headers.get('upgrade')?.toLowerCase() === 'websocket';
  if (!upgrade && !STATE_CHANGING.has(request.method)) return false;
  if (bearer(request.headers.get('authorization') ?? undefined)) return false;
  // A proxy's identity header is as ambient as a cookie: the proxy adds it to whatever the browser sends.
  if (proxyHeader && request.headers.has(proxyHeader)) return true;
  return hasCookie(request.headers.get('cookie'), SESSION_COOKIE);
}

function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

/**
 * The request's own host, the public URL's origin or an allowed origin. A request with neither
 * `Origin` nor `Referer` passes: browsers send `Origin` on every cross-site state-changing request
 * and WebSocket upgrade, so only a non-browser client omits both, and it could claim any origin.
 */
function fromAnAllowedOrigin(request: Request, origins: Config['origins']): boolean {
  const origin = request.headers.get('origin');
  const referer = request.headers.get('referer');
  if (origin === null && referer === null) return true;
  // "null" (a sandboxed frame, a data: URL) and anything unparsable are nobody's origin.
  const claimed = originOf(origin ?? referer ?? '');
  if (!claimed || claimed === 'null') return false;
  if (new URL(claimed).host === new URL(request.url).host) return true;
  return claimed === origins.publicOrigin || origins.allowed.includes(claimed);
}

/**
 * Refuses cookie-authenticated writes and WebSocket upgrades that a page on another site started
 * (cross-site request forgery, cross-site WebSocket hijacking), before any route or body parser runs.
 */
export const originGuard = (origins: Config['origins'], proxyHeader?: string) =>
  new Elysia({ name: 'origin-guard', seed: { origins, proxyHeader } }).onRequest(({ request }) => {
    if (ridesOnTheCookie(request, proxyHeader) && !fromAnAllowedOrigin(request, origins)) throw new AppError('origin_forbidden');
  });
