import { type Static, t } from 'elysia';
import { Limits } from '../usage/model';

export const UserId = t.Object({ id: t.String({ format: 'uuid' }) });

/** What an admin may change about a user; each field named replaces the user's. */
export const UserPatch = t.Object(
  {
    groups: t.Optional(t.Array(t.String({ format: 'uuid' }), { maxItems: 1_000, description: 'Group ids: every group the user is in' })),
    limits: t.Optional(t.Nullable(Limits, { description: "The user's own limits, over their groups' and the default; null removes them" })),
  },
  { additionalProperties: false },
);
export type UserPatch = Static<typeof UserPatch>;

export const AdminUserView = t.Object({
  id: t.String({ format: 'uuid' }),
  email: t.String(),
  role: t.Union([t.Literal('admin'), t.Literal('user')]),
  groups: t.Array(t.Object({ id: t.String({ format: 'uuid' }), name: t.String() })),
  limits: t.Nullable(Limits),
  createdAt: t.String({ format: 'date-time' }),
});
export type AdminUserView = Static<typeof AdminUserView>;
