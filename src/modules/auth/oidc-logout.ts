import { eq } from 'drizzle-orm';
import type { AppContext } from '../../context';
import { userIdentities } from '../../db/schema';
import { userForSession } from './service';
import { overHttps } from './session-cookie';

/**
 * The provider's logout page for the user of this session, when they sign in through the configured
 * provider and it advertises `end_session_endpoint`; it sends them back to this server's front page.
 */
export async function providerLogoutUrl(ctx: AppContext, request: Request, token: string): Promise<string | undefined> {
  if (!ctx.oidc) return undefined;
  const user = await userForSession(ctx.database.db, token).catch(() => undefined);
  if (!user) return undefined;
  const [linked] = await ctx.database.db
    .select({ subject: userIdentities.subject })
    .from(userIdentities)
    .where(eq(userIdentities.userId, user.id));
  if (!linked) return undefined;
  const url = new URL(request.url);
  const origin = ctx.config.origins.publicOrigin ?? `${overHttps(request) ? 'https' : url.protocol.slice(0, -1)}://${url.host}`;
  return ctx.oidc.logoutUrl(`${origin}/`);
}
