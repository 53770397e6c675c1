import { type Static, t } from 'elysia';

export const ConnectionKind = t.Union([t.Literal('openai'), t.Literal('anthropic'), t.Literal('openai-compatible')], {
  description: '`openai-compatible` covers Ollama, vLLM, llama.cpp, LM Studio and hosted services speaking the same API',
});

const Name = t.String({
  pattern: '^[a-z0-9][a-z0-9_.-]{0,39}$',
  description: 'Lower-case letters, digits, `-`, `_` and `.`; its models are listed as `<name>/<model>`',
});
const BaseUrl = t.String({
  pattern: '^https?://[^\\s]+$',
  maxLength: 2_000,
  description: 'The API base (with `/v1` for OpenAI and compatible servers); the vendor\u2019s own when omitted',
});
const ApiKey = t.String({ minLength: 1, maxLength: 1_000, description: 'Write-only: stored encrypted, never returned' });

export const CreateConnection = t.Object(
  {
    kind: ConnectionKind,
    name: Name,
    baseUrl: t.Optional(BaseUrl),
    apiKey: t.Optional(ApiKey),
    enabled: t.Optional(t.Boolean({ default: true })),
  },
  { additionalProperties: false },
);
export type CreateConnection = Static<typeof CreateConnection>;

export const UpdateConnection = t.Object(
  {
    kind: t.Optional(ConnectionKind),
    name: t.Optional(Name),
    baseUrl: t.Optional(t.Nullable(BaseUrl, { description: 'null returns to the vendor\u2019s own base URL' })),
    apiKey: t.Optional(t.Nullable(ApiKey, { description: 'A new key; null removes the key' })),
    enabled: t.Optional(t.Boolean()),
  },
  { additionalProperties: false },
);
export type UpdateConnection = Static<typeof UpdateConnection>;

export const ConnectionView = t.Object({
  id: t.String({ description: 'A uuid, or `env:<name>` for a provider configured in the environment' }),
  kind: ConnectionKind,
  name: t.String(),
  baseUrl: t.Nullable(t.String()),
  apiKeyMasked: t.Nullable(
    t.String({ description: 'The key\u2019s first and last characters (`sk-\u20261234`); the key itself is never returned' }),
  ),
  enabled: t.Boolean(),
  source: t.Union([t.Literal('admin'), t.Literal('environment')]),
  readOnly: t.Boolean({ description: 'Environment providers are changed in the environment, not here' }),
  createdAt: t.Nullable(t.String({ format: 'date-time' })),
  updatedAt: t.Nullable(t.String({ format: 'date-time' })),
});
export type ConnectionView = Static<typeof ConnectionView>;

export const ConnectionId = t.Object({ id: t.String({ minLength: 1, maxLength: 100 }) });

export const ConnectionTest = t.Object({
  ok: t.Boolean(),
  latencyMs: t.Number({ description: 'Time to list the models' }),
  models: t.Array(t.String(), { description: 'The chat models it lists' }),
  error: t.Optional(t.Object({ code: t.String(), message: t.String() })),
});
export type ConnectionTest = Static<typeof ConnectionTest>;

export const ConnectionSuggestion = t.Object({
  kind: t.Literal('openai-compatible'),
  name: t.String({ description: 'A name to add it under' }),
  label: t.String({ description: 'The server, e.g. Ollama' }),
  baseUrl: t.String(),
  models: t.Array(t.String()),
});
export type ConnectionSuggestion = Static<typeof ConnectionSuggestion>;

export const ConnectionSuggestions = t.Object({ suggestions: t.Array(ConnectionSuggestion) });
