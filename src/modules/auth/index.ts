import { Elysia } from 'elysia';
import type { AppContext } from '../../context';
import { errorResponses } from '../../lib/error-response';
import { AppError } from '../../lib/errors';
import { strictBody } from '../admin/strict-body';
import { recordAudit } from '../audit/service';
import { signupPolicy } from '../settings/signup-policy';
import { authGuard, readCookie, SESSION_COOKIE } from './guard';
import { Credentials, LogoutResult, Ok, PasswordChange, PasswordSet, User } from './model';
import { providerLogoutUrl } from './oidc-logout';
import { usePasswordLink } from './password-links';
import { changePassword, createSession, login, logout, SESSION_TTL_MS, signup } from './service';
import { sessionCookie } from './session-cookie';

const tags = ['auth'];

export const authModule = (ctx: AppContext) => {
  const db = ctx.database.db;
  const startSession = async (request: Request, set: { headers: Record<string, unknown> }, userId: string) => {
    const { token } = await createSession(db, userId);
    set.headers['set-cookie'] = sessionCookie(request, token, SESSION_TTL_MS / 1000);
  };

  return new Elysia({ prefix: '/api/auth' })
    .post(
      '/signup',
      async ({ body, request, set, server }) => {
        if (!ctx.config.passwordLogin) throw new AppError('password_login_disabled');
        const policy = await signupPolicy(db, ctx.config.signup);
        if (policy === 'closed') throw new AppError('signup_closed');
        const address = ctx.clientAddress(request, server);
        await ctx.signupThrottle.take(address);
        const user = await signup(db, body.email, body.password, policy);
        await startSession(request, set, user.id);
        await recordAudit(db, {
          actor: { id: user.id, email: user.email },
          address,
          action: 'auth.signup',
          target: `user:${user.id}`,
          details: { role: user.role, status: user.status },
        });
        set.status = 201;
        return user;
      },
      {
        body: Credentials,
        response: { 201: User, ...errorResponses([400, 403, 409, 413, 415, 429]) },
        detail: {
          summary: 'Create an account and log in (the first account becomes admin; under `approval` later ones are pending)',
          tags,
          security: [],
        },
      },
    )
    .post(
      '/login',
      async ({ body, request, set, server }) => {
        if (!ctx.config.passwordLogin) throw new AppError('password_login_disabled');
        const address = ctx.clientAddress(request, server);
        let user: Awaited<ReturnType<typeof login>>;
        try {
          user = await login(db, ctx.loginThrottle, body.email, body.password, address);
        } catch (e) {
          // The email tried is kept, never the password; a throttled attempt checked no password and is not a failure.
          if (e instanceof AppError && (e.code === 'invalid_credentials' || e.code === 'unauthorized'))
            await recordAudit(db, { action: 'auth.login_failed', address, details: { email: body.email.trim().toLowerCase() } });
          throw e;
        }
        await startSession(request, set, user.id);
        await recordAudit(db, { actor: { id: user.id, email: user.email }, address, action: 'auth.login', target: `user:${user.id}` });
        return user;
      },
      {
        body: Credentials,
        response: { 200: User, ...errorResponses([400, 401, 403, 413, 415, 429]) },
        detail: { summary: 'Log in; sets the session cookie', tags, security: [] },
      },
    )
    .post(
      '/logout',
      async ({ request, set }) => {
        const token = readCookie(request.headers.get('cookie'), SESSION_COOKIE);
        const logoutUrl = token ? await providerLogoutUrl(ctx, request, token) : undefined;
        if (token) await logout(db, ctx.revocations, token);
        set.headers['set-cookie'] = sessionCookie(request, '', 0);
        return logoutUrl ? { ok: true as const, logoutUrl } : { ok: true as const };
      },
      {
        response: { 200: LogoutResult, ...errorResponses([400, 403, 415]) },
        detail: {
          summary: 'End the session',
          description:
            'For a user who signs in through the OpenID provider, `logoutUrl` is its logout page (when it advertises one): send the browser there to end the session at the provider too.',
          tags,
          security: [],
        },
      },
    )
    .post(
      '/set-password',
      async ({ body, request, set, server }) => {
        if (!ctx.config.passwordLogin) throw new AppError('password_login_disabled');
        const user = await usePasswordLink(db, ctx.revocations, body.token, body.password);
        await startSession(request, set, user.id);
        await recordAudit(db, {
          actor: { id: user.id, email: user.email },
          address: ctx.clientAddress(request, server),
          action: 'auth.password_set',
          target: `user:${user.id}`,
        });
        return user;
      },
      {
        body: PasswordSet,
        transform: strictBody(PasswordSet),
        response: { 200: User, ...errorResponses([400, 403, 413, 415]) },
        detail: {
          summary: 'Set a password with a one-time link from an admin, and log in',
          description:
            'The link works once, within 24 hours of being issued; otherwise 400 `invalid_link`. Every other session of the account ends.',
          tags,
          security: [],
        },
      },
    )
    .use(authGuard(ctx, { allowPending: true }))
    .get('/me', ({ principal }) => principal.user, {
      response: { 200: User, ...errorResponses([400, 401]) },
      detail: { summary: 'The logged-in user', tags },
    })
    .post(
      '/password',
      async ({ body, principal, request, server }) => {
        if (principal.user.status === 'pending') throw new AppError('account_pending');
        const address = ctx.clientAddress(request, server);
        // Guessing the current password through this route is throttled like logging in.
        const attempt = await ctx.loginThrottle.reserve(`password-change:${principal.user.id}`, address);
        try {
          await changePassword(db, ctx.revocations, principal, body.currentPassword, body.newPassword);
        } catch (e) {
          await (e instanceof AppError && e.code === 'invalid_credentials' ? attempt.failed() : attempt.abandoned());
          throw e;
        }
        await attempt.succeeded();
        await recordAudit(db, {
          actor: { id: principal.user.id, email: principal.user.email },
          address,
          action: 'auth.password_change',
          target: `user:${principal.user.id}`,
        });
        return { ok: true as const };
      },
      {
        body: PasswordChange,
        transform: strictBody(PasswordChange),
        response: { 200: Ok, ...errorResponses([400, 401, 403, 413, 415, 429]) },
        detail: {
          summary: 'Change your password; your other sessions end',
          description:
            'A wrong `currentPassword` answers 401 `invalid_credentials` and changes nothing; repeated wrong ones are slowed down like logins (429 `too_many_attempts`).',
          tags,
        },
      },
    );
};
