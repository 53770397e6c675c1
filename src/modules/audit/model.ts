import { t } from 'elysia';

export const AuditEntry = t.Object({
  id: t.String({ format: 'uuid' }),
  at: t.String({ format: 'date-time' }),
  actorId: t.Nullable(t.String({ format: 'uuid' })),
  actorEmail: t.Nullable(t.String()),
  action: t.String({ description: 'What happened, e.g. `connection.create`, `model.update`, `auth.login_failed`' }),
  target: t.Nullable(t.String({ description: 'What it happened to, e.g. `user:<id>`, `connection:<id>`' })),
  address: t.Nullable(t.String({ description: 'The client address the request came from' })),
  details: t.Unknown({ description: 'What changed; never a secret' }),
});

export const AuditQuery = t.Object({
  from: t.Optional(t.String({ format: 'date-time' })),
  to: t.Optional(t.String({ format: 'date-time' })),
  actor: t.Optional(t.String({ minLength: 1, maxLength: 320, description: 'An actor id or email' })),
  action: t.Optional(t.String({ minLength: 1, maxLength: 100, description: 'An action, or a prefix ending in `.` (`connection.`)' })),
  limit: t.Optional(t.Integer({ minimum: 1, maximum: 500, default: 100 })),
  cursor: t.Optional(t.String({ maxLength: 200 })),
});

export const AuditPage = t.Object({
  entries: t.Array(AuditEntry),
  nextCursor: t.Nullable(t.String()),
});
