import { type Static, t } from 'elysia';
import { ChatParams, SystemPrompt } from '../conversations/settings';

const Name = t.String({ minLength: 1, maxLength: 100 });
const PluginNames = t.Array(t.String({ minLength: 1, maxLength: 200 }), { maxItems: 20, uniqueItems: true });
const DocumentIds = t.Array(t.String({ format: 'uuid' }), { maxItems: 50, uniqueItems: true });

export const PresetView = t.Object({
  id: t.String({ format: 'uuid' }),
  name: t.String(),
  model: t.Nullable(t.String()),
  systemPrompt: t.Nullable(t.String()),
  params: ChatParams,
  plugins: t.Array(t.String()),
  documentIds: t.Array(t.String({ description: "The owner's documents; searched only for the owner" })),
  published: t.Boolean({ description: 'Offered to everyone on the server (only admins publish)' }),
  mine: t.Boolean({ description: 'Whether you own it (and may change it)' }),
  createdAt: t.String({ format: 'date-time' }),
  updatedAt: t.String({ format: 'date-time' }),
});
export type PresetView = Static<typeof PresetView>;

export const CreatePreset = t.Object(
  {
    name: Name,
    model: t.Optional(t.Nullable(t.String({ minLength: 1, maxLength: 300 }))),
    systemPrompt: t.Optional(t.Nullable(SystemPrompt)),
    params: t.Optional(ChatParams),
    plugins: t.Optional(PluginNames),
    documentIds: t.Optional(DocumentIds),
    published: t.Optional(t.Boolean({ description: 'Admins only: offer it to everyone' })),
  },
  { additionalProperties: false },
);
export type CreatePreset = Static<typeof CreatePreset>;

export const UpdatePreset = t.Object(
  {
    name: t.Optional(Name),
    model: t.Optional(t.Nullable(t.String({ minLength: 1, maxLength: 300 }))),
    systemPrompt: t.Optional(t.Nullable(SystemPrompt)),
    params: t.Optional(t.Nullable(ChatParams)),
    plugins: t.Optional(PluginNames),
    documentIds: t.Optional(DocumentIds),
    published: t.Optional(t.Boolean()),
  },
  { additionalProperties: false, description: 'Each field named replaces the preset\u2019s' },
);
export type UpdatePreset = Static<typeof UpdatePreset>;

export const PresetId = t.Object({ id: t.String({ format: 'uuid' }) });
export const PresetList = t.Object({ presets: t.Array(PresetView) });
