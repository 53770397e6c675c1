import { type Static, t } from 'elysia';

export const AdminSettings = t.Object({
  defaultModel: t.Nullable(t.String({ description: 'The model used when a request names none; null: the configured default' })),
});
export type AdminSettings = Static<typeof AdminSettings>;

export const AdminSettingsPatch = t.Object(
  {
    defaultModel: t.Optional(
      t.Nullable(t.String({ minLength: 1, maxLength: 300, description: 'A model id as `/api/models` lists it; null clears it' })),
    ),
  },
  { additionalProperties: false },
);
export type AdminSettingsPatch = Static<typeof AdminSettingsPatch>;
