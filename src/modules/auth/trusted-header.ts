import { eq } from 'drizzle-orm';
import type { AppContext } from '../../context';
import { users } from '../../db/schema';
import { type PeerSource, trustedPeerCheck } from '../../lib/client-address';
import { AppError, unauthorized } from '../../lib/errors';
import { recordAudit } from '../audit/service';
import { signupPolicy } from '../settings/signup-policy';
import { toUserView, type UserView } from './service';
import { signInExternal } from './sso-account';

/** How long one process trusts that an email and groups header pair was applied, and mutes repeated refusals. */
const APPLIED_TTL_MS = 60_000;
const MAX_REMEMBERED = 10_000;

export type TrustedHeaderIdentify = (request: Request, server: PeerSource | null) => Promise<UserView | undefined>;

/**
 * Identity from a reverse proxy's headers (`TRUSTED_HEADER_EMAIL`, `TRUSTED_HEADER_GROUPS`). The
 * header counts only when the request's peer is one of `TRUSTED_PROXIES`; from anywhere else it is
 * refused (403) and audited, since only someone forging it would send it there. The first request
 * of a person (and each change of their groups) provisions and maps them like an OpenID sign-in;
 * later ones cost one lookup of the user, like a session.
 */
export function trustedHeaderIdentity(
  ctx: Pick<AppContext, 'config' | 'database' | 'revocations' | 'limits' | 'clientAddress'>,
): TrustedHeaderIdentify {
  const config = ctx.config.trustedHeader;
  const isTrustedPeer = trustedPeerCheck(ctx.config.trustedProxies);
  const applied = new Map<string, number>();
  const refused = new Map<string, number>();
  const db = ctx.database.db;

  return async (request, server) => {
    if (!config) return undefined;
    const header = request.headers.get(config.email);
    if (header === null) return undefined;
    const address = ctx.clientAddress(request, server);
    if (!isTrustedPeer(request, server)) {
      // Every refusal is answered; one per address a minute is audited, so a flood cannot fill the log.
      if (remember(refused, address)) {
        const details = { reason: 'untrusted_peer', email: header.slice(0, 254) };
        await recordAudit(db, { action: 'auth.trusted_header_refused', address, details });
      }
      throw new AppError('trusted_header_refused');
    }
    const email = header.trim().toLowerCase();
    if (!email || email.length > 254 || !email.includes('@')) throw unauthorized('The proxy sent no usable email');
    const groupsHeader = config.groups ? request.headers.get(config.groups) : null;
    const key = `${email}\n${groupsHeader ?? ''}`;
    if (!remember(applied, key, false)) {
      const [row] = await db.select().from(users).where(eq(users.email, email));
      if (row) return toUserView(row);
    }
    const user = await signInExternal(
      { db, revocations: ctx.revocations, invalidateLimits: () => ctx.limits.invalidate(), address },
      { email, emailVerified: true, groups: groupsHeader === null ? undefined : splitGroups(groupsHeader) },
      {
        source: 'trusted_header',
        adminGroups: config.adminGroups,
        allowedGroups: config.allowedGroups,
        autoProvision: true,
        signup: await signupPolicy(db, ctx.config.signup),
      },
    );
    remember(applied, key);
    return user;
  };
}

/**
 * True when `key` was not noted in the last minute; then, unless `mark` is false, notes it now. The
 * map is emptied when full, which costs no more than a repeated lookup or audit entry.
 */
function remember(seen: Map<string, number>, key: string, mark = true): boolean {
  const at = seen.get(key);
  const fresh = at === undefined || Date.now() - at >= APPLIED_TTL_MS;
  if (fresh && mark) {
    if (seen.size >= MAX_REMEMBERED) seen.clear();
    seen.set(key, Date.now());
  }
  return fresh;
}

/** oauth2-proxy and Authelia send groups comma separated. */
const splitGroups = (value: string) =>
  value
    .split(',')
    .map((g) => g.trim())
    .filter(Boolean);
