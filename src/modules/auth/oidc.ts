import { Elysia, t } from 'elysia';
import { OIDC_CALLBACK_PATH } from '../../config';
import type { AppContext } from '../../context';
import { errorResponses } from '../../lib/error-response';
import { AppError } from '../../lib/errors';
import { recordAudit } from '../audit/service';
import { signupPolicy } from '../settings/signup-policy';
import { readCookie } from './guard';
import { LoginMethods, OidcCallbackQuery } from './model';
import { OIDC_COOKIE, OIDC_TRANSACTION_TTL_S, openTransaction, sealTransaction } from './oidc-transaction';
import { createSession, SESSION_TTL_MS } from './service';
import { cookie, sessionCookie } from './session-cookie';
import { signInExternal } from './sso-account';

const tags = ['auth'];
const LOGIN_PATH = '/api/auth/oidc/login';
const cookiePath = '/api/auth/oidc';
const Redirect = t.Void({ description: 'A redirect; `Location` says where' });

/** A browser that followed the provider back is sent to the UI with the error's code; an API client gets the error. */
const wantsPage = (request: Request) => (request.headers.get('accept') ?? '').includes('text/html');

export const oidcModule = (ctx: AppContext) => {
  const db = ctx.database.db;
  const config = ctx.config.oidc;
  const client = ctx.oidc;
  const configured = () => {
    if (!config || !client) throw new AppError('sso_not_configured');
    return { config, client };
  };

  return new Elysia({ prefix: '/api/auth' })
    .get(
      '/methods',
      () => ({
        password: ctx.config.passwordLogin,
        oidc: config ? { label: config.buttonLabel, loginUrl: LOGIN_PATH } : null,
      }),
      {
        response: { 200: LoginMethods, ...errorResponses([400]) },
        detail: { summary: 'How people sign in here: passwords, single sign-on, or both', tags, security: [] },
      },
    )
    .get(
      '/oidc/login',
      async ({ request, set }) => {
        const { client } = configured();
        const { url, transaction } = await client.begin();
        set.headers['set-cookie'] = cookie(
          request,
          OIDC_COOKIE,
          await sealTransaction(ctx.secrets, transaction),
          OIDC_TRANSACTION_TTL_S,
          cookiePath,
        );
        set.headers.location = url;
        set.status = 302;
      },
      {
        response: { 302: Redirect, ...errorResponses([400, 404, 502]) },
        detail: {
          summary: 'Start signing in at the OpenID provider (authorization code with PKCE, state and nonce)',
          tags,
          security: [],
        },
      },
    )
    .get(
      '/oidc/callback',
      async ({ request, query, set, server }) => {
        const address = ctx.clientAddress(request, server);
        // The sign-in in progress is used once, whatever happens now.
        const clear = cookie(request, OIDC_COOKIE, '', 0, cookiePath);
        try {
          const { config, client } = configured();
          const transaction = await openTransaction(ctx.secrets, readCookie(request.headers.get('cookie'), OIDC_COOKIE));
          if (!transaction || query.state !== transaction.state) throw new AppError('sso_invalid_state');
          if (query.error || !query.code) throw new AppError('sso_rejected');
          // The provider checks the redirect URI it issued the code for, which is the configured one even behind a proxy.
          const callback = new URL(config.redirectUrl);
          callback.search = new URL(request.url).search;
          const identity = await client.complete(callback, transaction);
          const user = await signInExternal(
            { db, revocations: ctx.revocations, invalidateLimits: () => ctx.limits.invalidate(), address },
            { account: { issuer: identity.issuer, subject: identity.subject }, ...identity },
            {
              source: 'oidc',
              adminGroups: config.adminGroups,
              allowedGroups: config.allowedGroups,
              autoProvision: config.autoProvision,
              signup: await signupPolicy(db, ctx.config.signup),
            },
          );
          const { token } = await createSession(db, user.id);
          await recordAudit(db, {
            actor: { id: user.id, email: user.email },
            address,
            action: 'auth.login',
            target: `user:${user.id}`,
            details: { method: 'oidc' },
          });
          set.headers['set-cookie'] = [clear, sessionCookie(request, token, SESSION_TTL_MS / 1000)];
          set.headers.location = '/';
          set.status = 302;
        } catch (error) {
          set.headers['set-cookie'] = clear;
          if (!(error instanceof AppError) || !wantsPage(request)) throw error;
          set.headers.location = `/?sso_error=${encodeURIComponent(error.code)}`;
          set.status = 302;
        }
      },
      {
        query: OidcCallbackQuery,
        response: { 302: Redirect, ...errorResponses([400, 401, 403, 404, 409, 502]) },
        detail: {
          summary: 'Where the OpenID provider sends the browser back; starts a session like a password login',
          description: `The configured \`OIDC_REDIRECT_URL\` (by default \`PUBLIC_URL\` + \`${OIDC_CALLBACK_PATH}\`). A browser (Accept: text/html) is sent to \`/?sso_error=<code>\` when signing in fails; other clients get the error.`,
          tags,
          security: [],
        },
      },
    );
};
