import { Elysia } from 'elysia';
import type { AppContext } from '../../context';
import type { PeerSource } from '../../lib/client-address';
import { AppError, unauthorized } from '../../lib/errors';
import { sessionIdOf, type UserView, userForSession } from './service';

export const SESSION_COOKIE = 'confab_session';

export interface Principal {
  user: UserView;
  /** Set when the request authenticated with an API key rather than a session cookie. */
  apiKeyId?: string;
  /** The stored id of the session, when the request authenticated with its cookie. */
  sessionId?: string;
  /** Set when a trusted proxy's header named the user; it holds as long as the account is active. */
  trustedHeader?: true;
}

export function bearer(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer\s+(\S+)$/i.exec(header);
  return m?.[1];
}

export interface AuthOptions {
  /** Lets a `pending` account through (only `GET /api/auth/me` does); otherwise it is answered 403 `account_pending`. */
  allowPending?: boolean;
}

/**
 * Resolves who is calling: an API key (`Authorization: Bearer`) or the session cookie. Every route
 * under `/api`, `/ws` and `/v1` comes through here, so account status is enforced once: a disabled
 * account is not signed in (401), a pending one may do nothing but look at itself (403).
 */
export async function authenticate(
  ctx: AppContext,
  request: Request,
  options: AuthOptions = {},
  server: PeerSource | null = null,
): Promise<Principal> {
  const principal = await identify(ctx, request, server);
  if (principal.user.status === 'disabled') throw unauthorized('This account is disabled');
  if (principal.user.status === 'pending' && !options.allowPending) throw new AppError('account_pending');
  return principal;
}

async function identify(ctx: AppContext, request: Request, server: PeerSource | null): Promise<Principal> {
  const key = bearer(request.headers.get('authorization') ?? undefined);
  if (key) {
    const principal = await ctx.keys.resolve(key);
    if (!principal) throw unauthorized('API key is invalid or revoked');
    return { user: principal.user, apiKeyId: principal.apiKeyId };
  }
  const proxied = await ctx.trustedHeader(request, server);
  if (proxied) return { user: proxied, trustedHeader: true };
  const token = readCookie(request.headers.get('cookie'), SESSION_COOKIE);
  if (!token) throw unauthorized();
  return { user: await userForSession(ctx.database.db, token), sessionId: sessionIdOf(token) };
}

/** The named cookie's value; one that is not valid percent-encoding is no value, as if it were absent. */
export function readCookie(header: string | null, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) {
      try {
        return decodeURIComponent(part.slice(i + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/** Adds `principal` to every route registered after it; unauthenticated requests get 401. */
export const authGuard = (ctx: AppContext, options: AuthOptions = {}) =>
  new Elysia().resolve({ as: 'scoped' }, async ({ request, server }) => ({ principal: await authenticate(ctx, request, options, server) }));
