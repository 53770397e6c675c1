import { type Static, t } from 'elysia';
import { ModelAccess, ModelPrice } from '../../providers/model-access';

export const AdminModel = t.Object({
  id: t.String({ description: 'The id `/api/models` lists; URL-encode it in paths (`lab%2Fllama3`)' }),
  provider: t.String(),
  kind: t.String({ description: 'The API its provider speaks: openai, anthropic, local (OpenAI-compatible) or offline' }),
  displayName: t.Nullable(t.String()),
  enabled: t.Boolean(),
  access: t.Nullable(ModelAccess),
  price: t.Nullable(ModelPrice),
  priceSource: t.Nullable(t.Union([t.Literal('admin'), t.Literal('list')], { description: 'Whose price `price` is; null: unknown' })),
  isDefault: t.Boolean({ description: 'Whether requests naming no model use it' }),
  capabilities: t.Object({ streaming: t.Boolean(), tools: t.Boolean() }),
  contextWindow: t.Integer(),
});
export type AdminModel = Static<typeof AdminModel>;

export const AdminModelList = t.Object({ models: t.Array(AdminModel) });

export const ModelPatch = t.Object(
  {
    enabled: t.Optional(t.Boolean()),
    displayName: t.Optional(t.Nullable(t.String({ minLength: 1, maxLength: 100 }))),
    access: t.Optional(t.Nullable(ModelAccess)),
    price: t.Optional(t.Nullable(ModelPrice)),
  },
  { additionalProperties: false, description: 'Fields left out keep their value; null returns a field to its default' },
);
export type ModelPatch = Static<typeof ModelPatch>;

export const ModelIdParam = t.Object({ id: t.String({ minLength: 1, maxLength: 300 }) });
