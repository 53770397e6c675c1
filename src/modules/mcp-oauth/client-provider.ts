import { createHash, randomBytes } from 'node:crypto';
import type { OAuthClientProvider, OAuthDiscoveryState } from '@modelcontextprotocol/sdk/client/auth.js';
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';
import { and, eq } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { mcpOauthCredentials } from '../../db/schema';
import type { SecretBox } from '../../lib/secret-box';
import type { McpServerSpec } from '../../mcp/connection';

type Row = typeof mcpOauthCredentials.$inferSelect;
type Field = 'client' | 'tokens' | 'discovery' | 'verifier';
const COLUMN = { client: 'clientSealed', tokens: 'tokensSealed', discovery: 'discoverySealed', verifier: 'verifierSealed' } as const;

/** How long a user has to come back from the authorization server. */
export const STATE_TTL_MS = 10 * 60_000;

/** The stored form of a state: its hash, so a leaked row cannot complete anyone's sign-in. */
export const stateHash = (state: string) => createHash('sha256').update(state).digest('base64url');

export interface OAuthStore {
  db: Db;
  secrets: SecretBox;
}

/** A sealed value opens only in its own user's row for its own server and field. */
const sealContext = (userId: string, serverId: string, field: Field) => `mcp-oauth:${userId}:${serverId}:${field}`;

export async function credentialsRow(db: Db, userId: string, serverId: string): Promise<Row | undefined> {
  const [row] = await db
    .select()
    .from(mcpOauthCredentials)
    .where(and(eq(mcpOauthCredentials.userId, userId), eq(mcpOauthCredentials.serverId, serverId)));
  return row;
}

/**
 * The SDK's `OAuthClientProvider` for one user and one MCP server, backed by the database: the
 * registered client, the tokens, the discovery result and the PKCE verifier are sealed in the
 * secret box, read afresh on each use (another replica may have refreshed the tokens).
 *
 * `interactive` is a sign-in the user started: it records the state and verifier and keeps the
 * authorization URL for the caller. Otherwise (a tool connection refreshing its tokens) nothing is
 * recorded, and a server that wants a new sign-in only leaves the user to connect again.
 */
export class McpOAuthClientProvider implements OAuthClientProvider {
  /** Where the SDK sent the user to sign in, after `auth()` answered `REDIRECT`. */
  authorizationUrl?: URL;

  constructor(
    private readonly store: OAuthStore,
    private readonly userId: string,
    private readonly spec: McpServerSpec,
    readonly redirectUrl: string,
    private readonly interactive: boolean,
  ) {}

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: 'Confab',
      redirect_uris: [this.redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: this.spec.oauth?.clientSecret ? 'client_secret_post' : 'none',
      ...(this.spec.oauth?.scope ? { scope: this.spec.oauth.scope } : {}),
    };
  }

  private async read<T>(field: Field): Promise<T | undefined> {
    const row = await credentialsRow(this.store.db, this.userId, this.spec.id);
    const sealed = row?.[COLUMN[field]];
    if (!sealed) return undefined;
    return JSON.parse(await this.store.secrets.open(sealed, sealContext(this.userId, this.spec.id, field))) as T;
  }

  private async write(fields: Partial<Record<Field, unknown>>, extra: Partial<Row> = {}): Promise<void> {
    const set: Partial<Row> = { ...extra };
    for (const [field, value] of Object.entries(fields) as [Field, unknown][])
      set[COLUMN[field]] =
        value === undefined ? null : await this.store.secrets.seal(JSON.stringify(value), sealContext(this.userId, this.spec.id, field));
    await this.store.db
      .insert(mcpOauthCredentials)
      .values({ userId: this.userId, serverId: this.spec.id, ...set })
      .onConflictDoUpdate({ target: [mcpOauthCredentials.userId, mcpOauthCredentials.serverId], set: { ...set, updatedAt: new Date() } });
  }

  async clientInformation(): Promise<OAuthClientInformationMixed | undefined> {
    const pre = this.spec.oauth;
    if (pre?.clientId) return { client_id: pre.clientId, ...(pre.clientSecret ? { client_secret: pre.clientSecret } : {}) };
    const saved = await this.read<OAuthClientInformationMixed & { redirect_uris?: string[] }>('client');
    // Registered for another address of this server (PUBLIC_URL changed): register again.
    return saved?.redirect_uris && !saved.redirect_uris.includes(this.redirectUrl) ? undefined : saved;
  }

  async saveClientInformation(info: OAuthClientInformationMixed): Promise<void> {
    if (this.spec.oauth?.clientId) return;
    await this.write({ client: info });
  }

  tokens(): Promise<OAuthTokens | undefined> {
    return this.read<OAuthTokens>('tokens');
  }

  async saveTokens(tokens: OAuthTokens): Promise<void> {
    await this.write({ tokens }, { connectedAt: new Date() });
  }

  state(): string {
    return randomBytes(32).toString('base64url');
  }

  async redirectToAuthorization(url: URL): Promise<void> {
    if (!this.interactive) return;
    const state = url.searchParams.get('state');
    if (!state) throw new Error('the authorization URL carries no state');
    await this.write(
      {},
      { stateHash: stateHash(state), stateExpiresAt: new Date(Date.now() + STATE_TTL_MS), redirectUrl: this.redirectUrl },
    );
    this.authorizationUrl = url;
  }

  async saveCodeVerifier(verifier: string): Promise<void> {
    if (this.interactive) await this.write({ verifier });
  }

  async codeVerifier(): Promise<string> {
    const verifier = await this.read<string>('verifier');
    if (!verifier) throw new Error('no sign-in is in progress');
    return verifier;
  }

  saveDiscoveryState(state: OAuthDiscoveryState): Promise<void> {
    return this.write({ discovery: state });
  }

  discoveryState(): Promise<OAuthDiscoveryState | undefined> {
    return this.read<OAuthDiscoveryState>('discovery');
  }

  async invalidateCredentials(scope: 'all' | 'client' | 'tokens' | 'verifier' | 'discovery'): Promise<void> {
    const fields: Field[] = scope === 'all' ? ['client', 'tokens', 'verifier', 'discovery'] : [scope];
    await this.write(Object.fromEntries(fields.map((f) => [f, undefined])), fields.includes('tokens') ? { connectedAt: null } : {});
  }
}

/** Seals again under the current key every user's OAuth values sealed under a previous one; returns how many rows changed. */
export async function resealMcpOAuthSecrets(db: Db, secrets: SecretBox): Promise<number> {
  let resealed = 0;
  for (const row of await db.select().from(mcpOauthCredentials)) {
    const fields = (Object.keys(COLUMN) as Field[]).filter((f) => row[COLUMN[f]] !== null && secrets.isStale(row[COLUMN[f]]!));
    if (!fields.length) continue;
    const next: Partial<Row> = {};
    try {
      for (const f of fields) {
        const context = sealContext(row.userId, row.serverId, f);
        next[COLUMN[f]] = await secrets.seal(await secrets.open(row[COLUMN[f]]!, context), context);
      }
    } catch {
      continue;
    }
    // A refresh meanwhile wrote new values, already under the current key: those stay.
    const updated = await db
      .update(mcpOauthCredentials)
      .set(next)
      .where(
        and(
          eq(mcpOauthCredentials.userId, row.userId),
          eq(mcpOauthCredentials.serverId, row.serverId),
          ...fields.map((f) => eq(mcpOauthCredentials[COLUMN[f]], row[COLUMN[f]]!)),
        ),
      )
      .returning({ userId: mcpOauthCredentials.userId });
    resealed += updated.length;
  }
  return resealed;
}
