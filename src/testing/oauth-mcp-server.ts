/**
 * An MCP server that requires OAuth 2.1, built from the SDK's own server side: `mcpAuthRouter`
 * (authorization server metadata, dynamic client registration, authorize, token with PKCE and
 * refresh) and `requireBearerAuth` in front of a Streamable HTTP MCP endpoint, with the protected
 * resource metadata that points clients at it. One process serves both, on loopback.
 *
 * Signing in is a consent page that takes the account name in its query (`/consent?request=…&login=NAME`),
 * so a test can act as different people. Tools: `whoami` (the account the token belongs to) and
 * `echo`. Every access token, refresh and tool call is counted, and the access tokens can be
 * expired at once to make a client refresh.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { OAuthRegisteredClientsStore } from '@modelcontextprotocol/sdk/server/auth/clients.js';
import { InvalidGrantError, InvalidRequestError, InvalidTokenError } from '@modelcontextprotocol/sdk/server/auth/errors.js';
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import type { AuthorizationParams, OAuthServerProvider } from '@modelcontextprotocol/sdk/server/auth/provider.js';
import { getOAuthProtectedResourceMetadataUrl, mcpAuthRouter } from '@modelcontextprotocol/sdk/server/auth/router.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { createMcpExpressApp } from '@modelcontextprotocol/sdk/server/express.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { OAuthClientInformationFull, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { Response } from 'express';

interface Grant {
  login: string;
  clientId: string;
  resource?: string;
}
interface AccessToken extends Grant {
  expiresAt: number;
}

export interface OAuthMcpServer {
  /** The MCP endpoint, as an admin registers it. */
  url: string;
  /** The authorization server (the same origin). */
  issuer: string;
  /** Every access and refresh token ever issued, for checking that none is stored in the clear. */
  issued: string[];
  registrations: number;
  refreshes: number;
  /** Who called which tool, by the token they sent. */
  calls: { login: string; tool: string }[];
  /** Registers a client by hand, as an admin would at an authorization server without dynamic registration. */
  preRegister(client: OAuthClientInformationFull): void;
  /** Makes every access token issued so far expired: the next use answers 401. */
  expireAccessTokens(): void;
  stop(): Promise<void>;
}

const ACCESS_TTL_S = 3600;

class MemoryClients implements OAuthRegisteredClientsStore {
  readonly clients = new Map<string, OAuthClientInformationFull>();
  registered = 0;
  async getClient(id: string) {
    return this.clients.get(id);
  }
  async registerClient(client: OAuthClientInformationFull) {
    this.registered++;
    this.clients.set(client.client_id, client);
    return client;
  }
}

class TestAuthProvider implements OAuthServerProvider {
  readonly clientsStore = new MemoryClients();
  readonly pending = new Map<string, { client: OAuthClientInformationFull; params: AuthorizationParams }>();
  readonly codes = new Map<string, Grant & { challenge: string; redirectUri: string }>();
  readonly access = new Map<string, AccessToken>();
  readonly refresh = new Map<string, Grant>();
  refreshes = 0;
  readonly issued: string[] = [];

  constructor(private readonly consentUrl: string) {}

  async authorize(client: OAuthClientInformationFull, params: AuthorizationParams, res: Response): Promise<void> {
    const id = randomUUID();
    this.pending.set(id, { client, params });
    res.redirect(`${this.consentUrl}?request=${id}`);
  }

  /** The consent page: the named account agrees, and the browser goes back with a code. */
  consent(requestId: string, login: string): string {
    const req = this.pending.get(requestId);
    if (!req) throw new InvalidRequestError('unknown authorization request');
    this.pending.delete(requestId);
    const code = randomUUID();
    this.codes.set(code, {
      login,
      clientId: req.client.client_id,
      challenge: req.params.codeChallenge,
      redirectUri: req.params.redirectUri,
      resource: req.params.resource?.href,
    });
    const back = new URL(req.params.redirectUri);
    back.searchParams.set('code', code);
    if (req.params.state !== undefined) back.searchParams.set('state', req.params.state);
    return back.href;
  }

  async challengeForAuthorizationCode(_client: OAuthClientInformationFull, code: string): Promise<string> {
    const grant = this.codes.get(code);
    if (!grant) throw new InvalidGrantError('unknown code');
    return grant.challenge;
  }

  private issue(grant: Grant): OAuthTokens {
    const accessToken = `at-${randomUUID()}`;
    const refreshToken = `rt-${randomUUID()}`;
    this.access.set(accessToken, { ...grant, expiresAt: Math.floor(Date.now() / 1000) + ACCESS_TTL_S });
    this.refresh.set(refreshToken, grant);
    this.issued.push(accessToken, refreshToken);
    return { access_token: accessToken, token_type: 'Bearer', expires_in: ACCESS_TTL_S, refresh_token: refreshToken };
  }

  async exchangeAuthorizationCode(client: OAuthClientInformationFull, code: string, _verifier?: string, redirectUri?: string) {
    const grant = this.codes.get(code);
    if (!grant || grant.clientId !== client.client_id) throw new InvalidGrantError('the code was not issued to this client');
    if (redirectUri !== undefined && redirectUri !== grant.redirectUri) throw new InvalidGrantError('redirect_uri does not match');
    this.codes.delete(code);
    return this.issue({ login: grant.login, clientId: grant.clientId, resource: grant.resource });
  }

  async exchangeRefreshToken(client: OAuthClientInformationFull, refreshToken: string) {
    const grant = this.refresh.get(refreshToken);
    if (!grant || grant.clientId !== client.client_id) throw new InvalidGrantError('unknown refresh token');
    this.refresh.delete(refreshToken);
    this.refreshes++;
    return this.issue(grant);
  }

  async verifyAccessToken(token: string): Promise<AuthInfo> {
    const t = this.access.get(token);
    if (!t) throw new InvalidTokenError('unknown token');
    return {
      token,
      clientId: t.clientId,
      scopes: [],
      expiresAt: t.expiresAt,
      ...(t.resource ? { resource: new URL(t.resource) } : {}),
      extra: { login: t.login },
    };
  }
}

function mcpServer(auth: AuthInfo | undefined, calls: OAuthMcpServer['calls']): Server {
  const server = new Server({ name: 'oauth-test', version: '1.0.0' }, { capabilities: { tools: {} } });
  const login = String(auth?.extra?.login ?? '');
  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: [
      { name: 'whoami', description: 'Says whose account the token is for', inputSchema: { type: 'object', properties: {} } },
      {
        name: 'echo',
        description: 'Echoes its message',
        inputSchema: { type: 'object', properties: { message: { type: 'string' } } },
      },
    ],
  }));
  server.setRequestHandler(CallToolRequestSchema, (req) => {
    calls.push({ login, tool: req.params.name });
    const text = req.params.name === 'whoami' ? `You are ${login}.` : `Echo: ${String(req.params.arguments?.message ?? '')}`;
    return { content: [{ type: 'text', text }] };
  });
  return server;
}

export async function startOAuthMcpServer(): Promise<OAuthMcpServer> {
  const app = createMcpExpressApp();
  const http = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => http.once('listening', () => resolve()));
  const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const mcpUrl = new URL('/mcp', base);
  const provider = new TestAuthProvider(`${base}/consent`);
  const calls: OAuthMcpServer['calls'] = [];

  app.use(
    mcpAuthRouter({
      provider,
      issuerUrl: new URL(base),
      resourceServerUrl: mcpUrl,
      tokenOptions: { rateLimit: false },
      authorizationOptions: { rateLimit: false },
      clientRegistrationOptions: { rateLimit: false },
    }),
  );
  app.get('/consent', (req, res) => {
    const login = typeof req.query.login === 'string' ? req.query.login : '';
    if (!login) {
      const request = encodeURIComponent(String(req.query.request ?? ''));
      res
        .status(200)
        .type('html')
        .send(
          `<form><input type="hidden" name="request" value="${request}"><label>Account <input name="login"></label><button>Allow</button></form>`,
        );
      return;
    }
    try {
      res.redirect(provider.consent(String(req.query.request ?? ''), login));
    } catch {
      res.status(400).send('unknown authorization request');
    }
  });
  const bearer = requireBearerAuth({
    verifier: provider,
    resourceMetadataUrl: getOAuthProtectedResourceMetadataUrl(mcpUrl),
    expectedResource: mcpUrl,
  });
  app.post('/mcp', bearer, async (req, res) => {
    const server = mcpServer(req.auth, calls);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, req.body);
  });
  app.all('/mcp', bearer, (_req, res) => {
    res.status(405).set('Allow', 'POST').end();
  });

  return {
    url: mcpUrl.href,
    issuer: base,
    issued: provider.issued,
    get registrations() {
      return provider.clientsStore.registered;
    },
    get refreshes() {
      return provider.refreshes;
    },
    calls,
    preRegister(client) {
      provider.clientsStore.clients.set(client.client_id, client);
    },
    expireAccessTokens() {
      for (const t of provider.access.values()) t.expiresAt = Math.floor(Date.now() / 1000) - 1;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections?.();
        http.close(() => resolve());
      }),
  };
}
