import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

/** A person at the provider, signing in with their `login` name. */
export interface TestAccount {
  /** Absent: the provider shares no email for this person. */
  email?: string;
  emailVerified?: boolean;
  groups?: string[];
}

export interface TestClient {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
}

export interface TestOidcProvider {
  issuer: string;
  /** Change freely: each sign-in reads the account as it is then. */
  accounts: Map<string, TestAccount>;
  /** From now on tokens are signed with a new key, published in the JWKS (a provider's key rotation). */
  rotateKeys(): Promise<void>;
  /**
   * From now on tokens are signed with a new key while the JWKS still publishes the old ones, like a
   * token endpoint that is not the issuer's.
   */
  signWithUnpublishedKey(): Promise<void>;
  /** Adds a client, for one whose redirect URI is known only after the provider started. */
  registerClient(client: TestClient): void;
  /** Token requests authenticate as `client` instead of the caller, so the ID token is issued to another audience. */
  issueTokensTo(client: TestClient | undefined): void;
  close(): Promise<void>;
}

type Jwk = JsonWebKey & { kid: string; alg: string; use: string };

async function signingKey(): Promise<Jwk> {
  const pair = (await crypto.subtle.generateKey(
    { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
    true,
    ['sign', 'verify'],
  )) as CryptoKeyPair;
  // `key_ops` and `ext` describe the private half; the published JWKS must not say the key only signs.
  const { key_ops: _ops, ext: _ext, ...jwk } = await crypto.subtle.exportKey('jwk', pair.privateKey);
  return { ...jwk, kid: crypto.randomUUID(), alg: 'RS256', use: 'sig' };
}

/**
 * A real OpenID provider (panva's `oidc-provider`) on loopback, with its development login and
 * consent pages: any login name from `accounts` signs in with any password. Email and groups come
 * from userinfo (scopes `email` and `groups`), as most providers send them for the code flow.
 */
export async function startOidcProvider(options: {
  clients: TestClient[];
  accounts?: Record<string, TestAccount>;
  /** 0 (the default) lets the system pick a free port. */
  port?: number;
}): Promise<TestOidcProvider> {
  const accounts = new Map(Object.entries(options.accounts ?? {}));
  const clients = [...options.clients];
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const build = (keys: Jwk[]) =>
    new Provider(issuer, {
      clients: clients.map((c) => ({
        client_id: c.clientId,
        client_secret: c.clientSecret,
        redirect_uris: c.redirectUris,
        post_logout_redirect_uris: c.redirectUris.map((u) => `${new URL(u).origin}/`),
        grant_types: ['authorization_code'],
        response_types: ['code'],
      })),
      jwks: { keys },
      claims: { openid: ['sub'], email: ['email', 'email_verified'], groups: ['groups'] },
      scopes: ['openid', 'email', 'groups', 'profile'],
      pkce: { required: () => true },
      features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
      findAccount: async (_ctx, id) => {
        const account = accounts.get(id);
        if (!account) return undefined;
        return {
          accountId: id,
          claims: async () => ({
            sub: id,
            email: account.email,
            email_verified: account.emailVerified ?? true,
            groups: account.groups ?? [],
          }),
        };
      },
    });
  let keys = [await signingKey()];
  let tokens = build(keys);
  let published = tokens;
  let tokensFor: TestClient | undefined;
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (req.url?.startsWith('/token') && tokensFor) {
      req.headers.authorization = `Basic ${Buffer.from(`${tokensFor.clientId}:${tokensFor.clientSecret}`).toString('base64')}`;
    }
    const provider = req.url?.startsWith('/jwks') ? published : tokens;
    provider.callback()(req, res);
  });
  return {
    issuer,
    accounts,
    async rotateKeys() {
      keys = [await signingKey(), ...keys];
      tokens = build(keys);
      published = tokens;
    },
    async signWithUnpublishedKey() {
      tokens = build([await signingKey()]);
    },
    registerClient(client) {
      clients.push(client);
      tokens = build(keys);
      published = tokens;
    },
    issueTokensTo(client) {
      tokensFor = client;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A browser's cookies for one site, good enough for the provider's own pages. */
export class CookieJar {
  private readonly cookies = new Map<string, string>();
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  take(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const pair = line.split(';')[0];
      const i = pair.indexOf('=');
      const [name, value] = [pair.slice(0, i).trim(), pair.slice(i + 1)];
      if (/max-age=0/i.test(line) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
}

/**
 * Goes through the provider's pages as a person would, from the authorization URL Confab redirected
 * to: log in as `login`, consent, and return the URL the provider sends the browser back to (with
 * `code` and `state`), without following it.
 */
export async function signInAtProvider(authorizationUrl: string, login: string, jar = new CookieJar()): Promise<URL> {
  const form = (body: Record<string, string>) => ({
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(body),
  });
  const go = async (url: string, init: RequestInit = {}) => {
    const res = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string>), cookie: jar.header() },
    });
    jar.take(res);
    await res.arrayBuffer();
    const location = res.headers.get('location');
    if (!location) throw new Error(`provider answered ${res.status} at ${url} without a redirect`);
    return new URL(location, url).href;
  };
  let at = await go(authorizationUrl);
  for (let step = 0; step < 6; step++) {
    const url = new URL(at);
    if (!url.pathname.startsWith('/interaction/') && new URL(authorizationUrl).origin === url.origin) at = await go(at);
    else if (url.pathname.startsWith('/interaction/')) {
      const page = await fetch(at, { headers: { cookie: jar.header() } });
      const html = await page.text();
      const prompt: Record<string, string> = html.includes('name="login"')
        ? { prompt: 'login', login, password: 'any' }
        : { prompt: 'consent' };
      at = await go(at, form(prompt));
    } else return url;
  }
  throw new Error('the provider did not send the browser back');
}
