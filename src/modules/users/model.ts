import { type Static, t } from 'elysia';
import { Limits } from '../usage/model';

export const UserId = t.Object({ id: t.String({ format: 'uuid' }) });

export const Role = t.Union([t.Literal('admin'), t.Literal('user')]);
export const Status = t.Union([t.Literal('active'), t.Literal('disabled'), t.Literal('pending')], {
  description: '`pending` waits for approval and may only read `/api/auth/me`; `disabled` is refused everywhere',
});

/** What an admin may change about a user; each field named replaces the user's. */
export const UserPatch = t.Object(
  {
    groups: t.Optional(t.Array(t.String({ format: 'uuid' }), { maxItems: 1_000, description: 'Group ids: every group the user is in' })),
    limits: t.Optional(t.Nullable(Limits, { description: "The user's own limits, over their groups' and the default; null removes them" })),
    role: t.Optional(Role),
    status: t.Optional(Status),
  },
  { additionalProperties: false },
);
export type UserPatch = Static<typeof UserPatch>;

export const AdminUserView = t.Object({
  id: t.String({ format: 'uuid' }),
  email: t.String(),
  role: Role,
  status: Status,
  groups: t.Array(t.Object({ id: t.String({ format: 'uuid' }), name: t.String() })),
  limits: t.Nullable(Limits),
  lastLoginAt: t.Nullable(t.String({ format: 'date-time' })),
  createdAt: t.String({ format: 'date-time' }),
  usageThisMonth: t.Object(
    { requests: t.Integer({ minimum: 0 }), tokens: t.Number({ minimum: 0 }), costUsd: t.Number({ minimum: 0 }) },
    { description: 'Since the first of this month (UTC)' },
  ),
});
export type AdminUserView = Static<typeof AdminUserView>;

export const UserListQuery = t.Object(
  {
    q: t.Optional(t.String({ maxLength: 254, description: 'Part of the email, case-insensitive' })),
    status: t.Optional(Status),
    role: t.Optional(Role),
    cursor: t.Optional(t.String({ maxLength: 200, description: '`nextCursor` of the previous page' })),
    limit: t.Optional(t.Integer({ minimum: 1, maximum: 200, default: 50 })),
  },
  { additionalProperties: false },
);
export type UserListQuery = Static<typeof UserListQuery>;

export const UserList = t.Object({ users: t.Array(AdminUserView), nextCursor: t.Nullable(t.String()) });

export const NewUser = t.Object(
  {
    email: t.String({ format: 'email', maxLength: 254, description: 'Case-insensitive login name' }),
    role: t.Optional(Role),
    password: t.Optional(
      t.String({ minLength: 8, maxLength: 256, description: 'Left out: the answer carries a one-time link for the user to set one' }),
    ),
  },
  { additionalProperties: false },
);
export type NewUser = Static<typeof NewUser>;

export const PasswordLink = t.Object({
  url: t.String({ description: 'Shown once: only its hash is stored. It works once, until `expiresAt`.' }),
  expiresAt: t.String({ format: 'date-time' }),
});

export const CreatedUser = t.Object({ user: AdminUserView, passwordLink: t.Nullable(PasswordLink) });
