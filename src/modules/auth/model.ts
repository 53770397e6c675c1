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

export const LoginMethods = t.Object({
  password: t.Boolean({ description: 'Whether `/api/auth/login` and `/api/auth/signup` accept passwords' }),
  oidc: t.Union([t.Object({ label: t.String(), loginUrl: t.String() }), t.Null()], {
    description: 'The single sign-on button to show, or null when no OpenID provider is set up',
  }),
});

export const OidcCallbackQuery = t.Object({
  code: t.Optional(t.String({ maxLength: 4096 })),
  state: t.Optional(t.String({ maxLength: 1024 })),
  iss: t.Optional(t.String({ maxLength: 2048 })),
  error: t.Optional(t.String({ maxLength: 256 })),
  error_description: t.Optional(t.String({ maxLength: 2048 })),
  session_state: t.Optional(t.String({ maxLength: 1024 })),
});

export const LogoutResult = t.Object({
  ok: t.Literal(true),
  logoutUrl: t.Optional(t.String({ description: "The identity provider's logout page, to end the session there too" })),
});
