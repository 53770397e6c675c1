import { type Static, t } from 'elysia';

export const McpAccountView = t.Object({
  serverId: t.String({ format: 'uuid' }),
  name: t.String({ description: 'The server\u2019s name; its tools are `mcp:<name>:<tool>`' }),
  connected: t.Boolean({ description: 'Whether you connected your account (Confab holds your tokens, sealed)' }),
  connectedAt: t.Nullable(t.String({ format: 'date-time' })),
  tools: t.Array(t.String(), { description: 'The tools the server lists to your account on this replica' }),
  lastError: t.Optional(t.String({ description: 'Why your connection could not be opened last time' })),
});
export type McpAccountView = Static<typeof McpAccountView>;

export const McpAccountList = t.Object({ servers: t.Array(McpAccountView) });

export const McpOAuthStart = t.Object(
  { server: t.String({ format: 'uuid', description: 'The id of an `oauth` MCP server' }) },
  { additionalProperties: false },
);

export const McpOAuthStarted = t.Object({
  connected: t.Boolean({ description: 'True when your stored refresh token still worked: nothing more to do' }),
  authorizationUrl: t.Optional(t.String({ description: 'Send the browser here to sign in and consent; it comes back to the callback' })),
});
export type McpOAuthStarted = Static<typeof McpOAuthStarted>;

export const McpOAuthCallbackQuery = t.Object({
  code: t.Optional(t.String({ maxLength: 4096 })),
  state: t.Optional(t.String({ maxLength: 1024 })),
  iss: t.Optional(t.String({ maxLength: 2048 })),
  error: t.Optional(t.String({ maxLength: 256 })),
  error_description: t.Optional(t.String({ maxLength: 2048 })),
});

export const McpServerParam = t.Object({ server: t.String({ format: 'uuid' }) });

export const Disconnected = t.Object({ connected: t.Literal(false) });
