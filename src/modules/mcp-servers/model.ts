import { type Static, t } from 'elysia';

const Name = t.String({
  pattern: '^[a-z0-9][a-z0-9_-]{0,29}$',
  description: 'Lower-case letters, digits, `-` and `_`; its tools are listed as `mcp:<name>:<tool>`',
});
const Url = t.String({ pattern: '^https?://[^\\s]+$', maxLength: 2_000, description: 'The server\u2019s MCP endpoint' });
const Transport = t.Union([t.Literal('auto'), t.Literal('streamable-http'), t.Literal('sse'), t.Literal('stdio')], {
  description: '`auto` tries Streamable HTTP, then the older HTTP+SSE; `stdio` runs `command` (only with MCP_STDIO=on)',
});
const Command = t.String({
  minLength: 1,
  maxLength: 500,
  pattern: '^[^\\s]+$',
  description: 'A stdio server\u2019s program (only with MCP_STDIO=on)',
});
const Args = t.Array(t.String({ maxLength: 2_000 }), { maxItems: 50, description: 'The program\u2019s arguments' });
const Headers = t.Record(
  t.String({ pattern: '^[A-Za-z0-9-]{1,100}$' }),
  t.String({ minLength: 1, maxLength: 4_000, pattern: '^[^\\r\\n]*$' }),
  {
    description: 'Write-only: extra request headers, stored encrypted, never returned (only their names)',
    maxProperties: 20,
  },
);
const Token = t.String({
  minLength: 1,
  maxLength: 4_000,
  pattern: '^\\S+$',
  description: 'Write-only: sent as `Authorization: Bearer`, stored encrypted',
});
const Auth = t.Union([t.Literal('none'), t.Literal('bearer'), t.Literal('oauth')], {
  description:
    'How Confab signs in: `none` (headers only) and `bearer` (`token`) share one connection; `oauth` has each user connect their own account (OAuth 2.1 with PKCE; a client is registered dynamically unless `oauthClientId` is given). Default: `bearer` with a token, else `none`',
});
const OauthClientId = t.String({
  minLength: 1,
  maxLength: 500,
  pattern: '^\\S+$',
  description:
    'A client registered for Confab at the authorization server (redirect URI `<PUBLIC_URL>/api/mcp/oauth/callback`); absent registers one dynamically',
});
const OauthClientSecret = t.String({
  minLength: 1,
  maxLength: 4_000,
  pattern: '^\\S+$',
  description: 'Write-only: that client\u2019s secret, stored encrypted, never returned',
});
const OauthScope = t.String({
  minLength: 1,
  maxLength: 1_000,
  pattern: '^[\\x21-\\x7e]+( [\\x21-\\x7e]+)*$',
  description: 'The scopes to ask for when the server does not advertise any (space separated)',
});
const AllowedTools = t.Nullable(t.Array(t.String({ minLength: 1, maxLength: 128 }), { maxItems: 200 }), {
  description: 'The tools offered to users; null offers every tool the server lists',
});

export const CreateMcpServer = t.Object(
  {
    name: Name,
    url: t.Optional(Url),
    command: t.Optional(Command),
    args: t.Optional(Args),
    transport: t.Optional(Transport),
    headers: t.Optional(Headers),
    token: t.Optional(Token),
    enabled: t.Optional(t.Boolean({ default: true })),
    allowedTools: t.Optional(AllowedTools),
    auth: t.Optional(Auth),
    oauthClientId: t.Optional(OauthClientId),
    oauthClientSecret: t.Optional(OauthClientSecret),
    oauthScope: t.Optional(OauthScope),
  },
  { additionalProperties: false },
);
export type CreateMcpServer = Static<typeof CreateMcpServer>;

export const UpdateMcpServer = t.Object(
  {
    name: t.Optional(Name),
    url: t.Optional(t.Nullable(Url)),
    command: t.Optional(t.Nullable(Command)),
    args: t.Optional(Args),
    transport: t.Optional(Transport),
    headers: t.Optional(t.Nullable(Headers, { description: 'New headers; null removes them' })),
    token: t.Optional(t.Nullable(Token, { description: 'A new token; null removes it' })),
    enabled: t.Optional(t.Boolean()),
    allowedTools: t.Optional(AllowedTools),
    auth: t.Optional(Auth),
    oauthClientId: t.Optional(t.Nullable(OauthClientId, { description: 'A pre-registered client; null registers dynamically' })),
    oauthClientSecret: t.Optional(t.Nullable(OauthClientSecret, { description: 'A new client secret; null removes it' })),
    oauthScope: t.Optional(t.Nullable(OauthScope)),
  },
  { additionalProperties: false },
);
export type UpdateMcpServer = Static<typeof UpdateMcpServer>;

export const McpServerView = t.Object({
  id: t.String({ format: 'uuid' }),
  name: t.String(),
  url: t.Nullable(t.String()),
  command: t.Nullable(t.String()),
  args: t.Array(t.String()),
  transport: Transport,
  headerNames: t.Array(t.String(), { description: 'The stored headers\u2019 names; their values are never returned' }),
  tokenMasked: t.Nullable(t.String({ description: 'The token\u2019s first and last characters; the token itself is never returned' })),
  enabled: t.Boolean(),
  allowedTools: t.Nullable(t.Array(t.String())),
  auth: Auth,
  oauthClientId: t.Nullable(t.String()),
  oauthClientSecretSet: t.Boolean({ description: 'Whether a client secret is stored; the secret itself is never returned' }),
  oauthScope: t.Nullable(t.String()),
  connected: t.Boolean({
    description: 'Whether this replica holds a connection to it now (for an `oauth` server: whether any user\u2019s is connected)',
  }),
  tools: t.Array(t.String(), {
    description:
      'The tools it listed on this replica, before `allowedTools` applies (an `oauth` server: as listed to the last user who connected)',
  }),
  lastError: t.Optional(t.String()),
  createdAt: t.String({ format: 'date-time' }),
  updatedAt: t.String({ format: 'date-time' }),
});
export type McpServerView = Static<typeof McpServerView>;

export const McpServerId = t.Object({ id: t.String({ format: 'uuid' }) });

export const McpServerTest = t.Object({
  ok: t.Boolean(),
  latencyMs: t.Number({ description: 'Time to connect and list the tools' }),
  tools: t.Array(t.Object({ name: t.String(), description: t.Optional(t.String()) })),
  authorizationServer: t.Optional(
    t.String({ description: 'For an `oauth` server: the authorization server its metadata names (tools are listed once a user connects)' }),
  ),
  error: t.Optional(t.Object({ code: t.String(), message: t.String() })),
});
export type McpServerTest = Static<typeof McpServerTest>;
