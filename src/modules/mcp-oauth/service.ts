import { and, eq, gt, isNotNull } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { mcpOauthCredentials } from '../../db/schema';
import { AppError, notFound } from '../../lib/errors';
import { log } from '../../lib/logger';
import type { SecretBox } from '../../lib/secret-box';
import type { McpServerSpec } from '../../mcp/connection';
import type { McpHub, McpUserAuth } from '../../mcp/hub';
import { loadMcpAuth } from '../../mcp/sdk';
import type { ChangeBy } from '../admin/change-by';
import { recordAudit } from '../audit/service';
import { credentialsRow, McpOAuthClientProvider, stateHash } from './client-provider';
import type { McpAccountView, McpOAuthStarted } from './model';

export const CALLBACK_PATH = '/api/mcp/oauth/callback';

export interface McpOAuthDeps {
  db: Db;
  secrets: SecretBox;
  hub: McpHub;
}

/** The OAuth server with this id, enabled, or 404 (a server without per-user sign-in answers 400). */
async function oauthServer(deps: McpOAuthDeps, serverId: string): Promise<McpServerSpec> {
  const spec = deps.hub.oauthServers().find((s) => s.id === serverId);
  if (spec) return spec;
  if (deps.hub.connection(serverId)) throw new AppError('mcp_oauth_not_used');
  throw notFound('MCP server');
}

/** Where the database keeps a user's accounts, for the hub's per-user connections. */
export function userAuthOf(deps: Pick<McpOAuthDeps, 'db' | 'secrets'>): McpUserAuth {
  return {
    async linked(userId) {
      const rows = await deps.db
        .select({ serverId: mcpOauthCredentials.serverId })
        .from(mcpOauthCredentials)
        .where(and(eq(mcpOauthCredentials.userId, userId), isNotNull(mcpOauthCredentials.tokensSealed)));
      return new Set(rows.map((r) => r.serverId));
    },
    async provider(userId, spec) {
      const row = await credentialsRow(deps.db, userId, spec.id);
      return new McpOAuthClientProvider(deps, userId, spec, row?.redirectUrl ?? '', false);
    },
  };
}

/** The OAuth servers and whether this user connected each. */
export async function listAccounts(deps: McpOAuthDeps, userId: string): Promise<McpAccountView[]> {
  await deps.hub.warm({ waitForRetries: false, userId });
  const rows = await deps.db.select().from(mcpOauthCredentials).where(eq(mcpOauthCredentials.userId, userId));
  const byServer = new Map(rows.map((r) => [r.serverId, r]));
  return deps.hub.oauthServers().map((spec) => {
    const row = byServer.get(spec.id);
    const conn = deps.hub.userConnection(spec.id, userId);
    const connected = Boolean(row?.tokensSealed);
    return {
      serverId: spec.id,
      name: spec.name,
      connected,
      connectedAt: connected && row?.connectedAt ? row.connectedAt.toISOString() : null,
      tools: connected ? (conn?.tools.map((t) => t.name) ?? []) : [],
      ...(connected && conn?.lastError ? { lastError: conn.lastError } : {}),
    };
  });
}

/** Why the SDK's flow failed, for the log: an OAuth error's own words, never a token (the SDK puts none in them). */
const said = (err: unknown) => (err instanceof Error ? err.message.slice(0, 300) : String(err));

/**
 * Starts connecting a user's account: the SDK discovers the authorization server, registers a
 * client unless the admin gave one, and builds the authorization URL (PKCE, state, resource); the
 * state and verifier are kept for this user. A user whose refresh token still works is connected at once.
 */
export async function startConnect(deps: McpOAuthDeps, userId: string, serverId: string, origin: string): Promise<McpOAuthStarted> {
  const spec = await oauthServer(deps, serverId);
  const provider = new McpOAuthClientProvider(deps, userId, spec, `${origin}${CALLBACK_PATH}`, true);
  let result: 'AUTHORIZED' | 'REDIRECT';
  try {
    result = await (await loadMcpAuth()).auth(provider, { serverUrl: spec.url ?? '', scope: spec.oauth?.scope });
  } catch (err) {
    log.warn('mcp oauth start failed', { server: spec.name, error: said(err) });
    throw new AppError('mcp_oauth_rejected', { internal: said(err) });
  }
  if (result === 'AUTHORIZED' || !provider.authorizationUrl) {
    deps.hub.forget(userId, spec.id);
    return { connected: true };
  }
  return { connected: false, authorizationUrl: provider.authorizationUrl.href };
}

/**
 * Finishes connecting: the state must be one this user started, unused and not expired; it is
 * spent before the code is exchanged, so it works once. The SDK exchanges the code (with the
 * verifier and the same redirect URI) and the tokens are stored sealed.
 */
export async function finishConnect(deps: McpOAuthDeps, by: ChangeBy, query: { state?: string; code?: string; error?: string }) {
  const userId = by.actor.id;
  if (!query.state) throw new AppError('mcp_oauth_invalid_state');
  const [spent] = await deps.db
    .update(mcpOauthCredentials)
    .set({ stateHash: null, stateExpiresAt: null, updatedAt: new Date() })
    .where(
      and(
        eq(mcpOauthCredentials.stateHash, stateHash(query.state)),
        eq(mcpOauthCredentials.userId, userId),
        gt(mcpOauthCredentials.stateExpiresAt, new Date()),
      ),
    )
    .returning();
  if (!spent) throw new AppError('mcp_oauth_invalid_state');
  const spec = await oauthServer(deps, spent.serverId);
  const provider = new McpOAuthClientProvider(deps, userId, spec, spent.redirectUrl ?? '', false);
  try {
    if (query.error || !query.code) throw new Error(`the authorization server answered ${query.error ?? 'without a code'}`);
    await (await loadMcpAuth()).auth(provider, { serverUrl: spec.url ?? '', authorizationCode: query.code });
  } catch (err) {
    log.warn('mcp oauth callback failed', { server: spec.name, error: said(err) });
    throw new AppError('mcp_oauth_rejected', { internal: said(err) });
  } finally {
    await provider.invalidateCredentials('verifier');
  }
  deps.hub.forget(userId, spec.id);
  await recordAudit(deps.db, { ...by, action: 'mcp_oauth.connect', target: `mcp-server:${spec.id}`, details: { name: spec.name } });
  return spec;
}

/** Forgets a user's tokens (and registered client) for a server, and closes their connection. */
export async function disconnect(deps: McpOAuthDeps, by: ChangeBy, serverId: string): Promise<void> {
  const spec = await oauthServer(deps, serverId);
  const userId = by.actor.id;
  const gone = await deps.db
    .delete(mcpOauthCredentials)
    .where(and(eq(mcpOauthCredentials.userId, userId), eq(mcpOauthCredentials.serverId, serverId)))
    .returning({ tokens: mcpOauthCredentials.tokensSealed });
  deps.hub.forget(userId, serverId);
  if (gone.some((r) => r.tokens !== null))
    await recordAudit(deps.db, { ...by, action: 'mcp_oauth.disconnect', target: `mcp-server:${spec.id}`, details: { name: spec.name } });
}
