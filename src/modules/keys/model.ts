import { t } from 'elysia';

export const CreateKey = t.Object({
  name: t.String({ minLength: 1, maxLength: 100, description: 'A label to tell keys apart' }),
});

export const KeyView = t.Object({
  id: t.String({ format: 'uuid' }),
  name: t.String(),
  prefix: t.String({ description: 'The first characters of the key' }),
  createdAt: t.String({ format: 'date-time' }),
  lastUsedAt: t.Nullable(t.String({ format: 'date-time' })),
  revokedAt: t.Nullable(t.String({ format: 'date-time' })),
});

export const CreatedKey = t.Composite([
  KeyView,
  t.Object({ key: t.String({ description: 'The secret key. Shown only in this response.' }) }),
]);

export const KeyId = t.Object({ id: t.String({ format: 'uuid' }) });
