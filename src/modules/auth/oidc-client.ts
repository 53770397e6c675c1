import * as oidc from 'openid-client';
import type { OidcConfig } from '../../config';
import { AppError } from '../../lib/errors';
import { log } from '../../lib/logger';

/** What a sign-in needs to remember between the redirect to the provider and the way back. */
export interface LoginTransaction {
  state: string;
  nonce: string;
  codeVerifier: string;
}

/** Who the provider says signed in, from the validated ID token and, for what it lacks, userinfo. */
export interface OidcIdentity {
  issuer: string;
  subject: string;
  email?: string;
  emailVerified: boolean;
  /** Undefined when the provider sent no groups claim at all (then groups are left as they are). */
  groups?: string[];
}

export interface OidcClientOptions {
  /** Seconds added to this server's clock when judging tokens; tests use it to see tokens from later. */
  clockSkewSeconds?: number;
}

export interface OidcClient {
  /** The provider's authorization URL for a new sign-in, and what the callback must check it against. */
  begin(): Promise<{ url: string; transaction: LoginTransaction }>;
  /**
   * Exchanges the code in `callbackUrl` (PKCE verifier, `state` and `nonce` from `transaction`) and
   * validates the ID token: signature from the provider's JWKS, `iss`, `aud`, `azp`, `exp`, `nonce`.
   */
  complete(callbackUrl: URL, transaction: LoginTransaction): Promise<OidcIdentity>;
  /** Where to send the browser so the provider ends its session too, when it advertises logout. */
  logoutUrl(postLogoutRedirect: string): Promise<string | undefined>;
}

/**
 * A relying party for one provider. Discovery runs at the first sign-in and again after a failure,
 * so a provider that is down at start-up does not stop the server; its JWKS is cached by
 * openid-client, which fetches it again when a token names a key it has not seen (key rotation).
 */
export function createOidcClient(config: OidcConfig, options: OidcClientOptions = {}): OidcClient {
  const issuer = new URL(config.issuer);
  if (issuer.protocol === 'http:' && !['127.0.0.1', 'localhost', '[::1]'].includes(issuer.hostname)) {
    log.warn('OIDC_ISSUER is plain http: tokens and the client secret cross the network unencrypted', { issuer: issuer.origin });
  }
  let discovered: Promise<oidc.Configuration> | undefined;
  const configuration = () => {
    discovered ??= discover(config, options).catch((error) => {
      discovered = undefined;
      log.warn('oidc discovery failed', { issuer: config.issuer, error: String(error) });
      throw new AppError('sso_provider_unavailable', { cause: error });
    });
    return discovered;
  };

  return {
    async begin() {
      const server = await configuration();
      const transaction = { state: oidc.randomState(), nonce: oidc.randomNonce(), codeVerifier: oidc.randomPKCECodeVerifier() };
      const url = oidc.buildAuthorizationUrl(server, {
        redirect_uri: config.redirectUrl,
        scope: config.scopes,
        code_challenge: await oidc.calculatePKCECodeChallenge(transaction.codeVerifier),
        code_challenge_method: 'S256',
        state: transaction.state,
        nonce: transaction.nonce,
      });
      return { url: url.href, transaction };
    },

    async complete(callbackUrl, transaction) {
      const server = await configuration();
      let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
      try {
        tokens = await oidc.authorizationCodeGrant(server, callbackUrl, {
          pkceCodeVerifier: transaction.codeVerifier,
          expectedState: transaction.state,
          expectedNonce: transaction.nonce,
          idTokenExpected: true,
        });
      } catch (error) {
        throw rejection(error);
      }
      const claims = tokens.claims();
      if (!claims) throw new AppError('sso_rejected');
      let merged: Record<string, unknown> = claims;
      if (claims.email === undefined || claimAt(claims, config.groupsClaim) === undefined) {
        try {
          merged = { ...(await oidc.fetchUserInfo(server, tokens.access_token, claims.sub)), ...claims };
        } catch (error) {
          throw rejection(error);
        }
      }
      return {
        issuer: claims.iss,
        subject: claims.sub,
        email: typeof merged.email === 'string' ? merged.email : undefined,
        emailVerified: merged.email_verified === true || merged.email_verified === 'true',
        groups: groupsOf(claimAt(merged, config.groupsClaim)),
      };
    },

    async logoutUrl(postLogoutRedirect) {
      const server = await configuration().catch(() => undefined);
      if (!server?.serverMetadata().end_session_endpoint) return undefined;
      return oidc.buildEndSessionUrl(server, { client_id: config.clientId, post_logout_redirect_uri: postLogoutRedirect }).href;
    },
  };
}

async function discover(config: OidcConfig, options: OidcClientOptions): Promise<oidc.Configuration> {
  const insecure = new URL(config.issuer).protocol === 'http:';
  const metadata: Partial<oidc.ClientMetadata> = {};
  if (options.clockSkewSeconds) metadata[oidc.clockSkew] = options.clockSkewSeconds;
  return oidc.discovery(
    new URL(config.issuer),
    config.clientId,
    metadata,
    config.clientSecret ? oidc.ClientSecretBasic(config.clientSecret) : oidc.None(),
    {
      // ID token signatures are checked against the JWKS even though the token came straight from
      // the token endpoint, so a token endpoint answering with someone else's token is caught too.
      execute: insecure ? [oidc.allowInsecureRequests, oidc.enableNonRepudiationChecks] : [oidc.enableNonRepudiationChecks],
    },
  );
}

/** A provider's answer that failed a check is the user's 401; one that could not be had is a 502. */
function rejection(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const code = (error as { code?: string }).code;
  const network = error instanceof TypeError || code === 'OAUTH_TIMEOUT' || (error as { name?: string }).name === 'TimeoutError';
  log.info('oidc sign-in refused', { reason: code ?? 'unknown', message: error instanceof Error ? error.message : String(error) });
  return new AppError(network ? 'sso_provider_unavailable' : 'sso_rejected', { cause: error });
}

/**
 * A claim by name, or else by a dotted path into nested claims (Keycloak's `realm_access.roles`);
 * the whole name wins, since some providers' claim names are URLs with dots in them.
 */
export function claimAt(claims: Record<string, unknown>, name: string): unknown {
  if (Object.hasOwn(claims, name)) return claims[name];
  let value: unknown = claims;
  for (const part of name.split('.')) {
    // Only into JSON objects, by their own members: never an array's `length` or a prototype's.
    if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.hasOwn(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** Groups as an array of strings, a single string, or (Entra ID and others) an array of objects with a name. */
export function groupsOf(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  const items = Array.isArray(value) ? value : [value];
  return items
    .map((item) => (typeof item === 'string' ? item : typeof item?.name === 'string' ? item.name : undefined))
    .filter((item): item is string => typeof item === 'string' && item.length > 0);
}
