import { t } from 'elysia';

export const Credentials = t.Object({
  email: t.String({ format: 'email', maxLength: 254, description: 'Case-insensitive login name' }),
  password: t.String({ minLength: 8, maxLength: 256 }),
});

export const User = t.Object({
  id: t.String({ format: 'uuid' }),
  email: t.String(),
  role: t.Union([t.Literal('admin'), t.Literal('user')]),
  status: t.Union([t.Literal('active'), t.Literal('disabled'), t.Literal('pending')], {
    description: '`pending`: waiting for an admin to approve the account; it may only read `/api/auth/me`',
  }),
  createdAt: t.String({ format: 'date-time' }),
});

export const Ok = t.Object({ ok: t.Literal(true) });

export const PasswordChange = t.Object(
  {
    currentPassword: t.String({ minLength: 1, maxLength: 256 }),
    newPassword: t.String({ minLength: 8, maxLength: 256 }),
  },
  { additionalProperties: false },
);

export const PasswordSet = t.Object(
  {
    token: t.String({ minLength: 1, maxLength: 200, description: 'The token from the set-password link (after `#token=`)' }),
    password: t.String({ minLength: 8, maxLength: 256 }),
  },
  { additionalProperties: false },
);
