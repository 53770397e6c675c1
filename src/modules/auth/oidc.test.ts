import { afterAll, beforeAll, describe, expect, setSystemTime, test } from 'bun:test';
import type { Database } from '../../db/client';
import { createHarness, type Harness, testConfig } from '../../testing/app-harness';
import { testDatabases } from '../../testing/databases';
import { signInAtProvider, startOidcProvider, type TestClient, type TestOidcProvider } from '../../testing/oidc-provider';
import { createOidcClient } from './oidc-client';

const REDIRECT = 'http://localhost/api/auth/oidc/callback';
const confab: TestClient = { clientId: 'confab', clientSecret: 'confab-client-secret', redirectUris: [REDIRECT] };
const other: TestClient = { clientId: 'other-app', clientSecret: 'other-client-secret', redirectUris: [REDIRECT] };

const cookieOf = (res: Response, name: string) =>
  res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .find((c) => c.startsWith(`${name}=`) && c.length > name.length + 1);

/** Confab's redirect to the provider: its URL and the sign-in cookie the browser keeps. */
async function begin(h: Harness) {
  const res = await h.request('GET', '/api/auth/oidc/login');
  expect(res.status).toBe(302);
  return { url: res.headers.get('location') as string, cookie: cookieOf(res, 'confab_oidc') as string };
}

async function callback(h: Harness, back: URL, cookie: string, headers: Record<string, string> = {}) {
  const res = await h.request('GET', `${back.pathname}${back.search}`, { cookie, headers });
  const text = await res.text();
  return { status: res.status, res, body: text ? JSON.parse(text) : null, session: cookieOf(res, 'confab_session') };
}

/** The whole redirect flow for `login`, as a browser without JavaScript goes through it. */
async function signIn(h: Harness, login: string) {
  const start = await begin(h);
  return callback(h, await signInAtProvider(start.url, login), start.cookie);
}

for (const backend of testDatabases()) {
  describe(`OpenID Connect sign-in on ${backend.name}`, () => {
    let provider: TestOidcProvider;
    let database: Database;
    let h: Harness;
    let admin: Awaited<ReturnType<Harness['signup']>>;
    const env = () => ({
      OIDC_ISSUER: provider.issuer,
      OIDC_CLIENT_ID: confab.clientId,
      OIDC_CLIENT_SECRET: confab.clientSecret,
      OIDC_REDIRECT_URL: REDIRECT,
      OIDC_SCOPES: 'openid email groups',
      OIDC_ADMIN_GROUPS: 'confab-admins',
    });
    const harness = (extra: Record<string, string> = {}, overrides = {}) =>
      createHarness(database, testConfig({ ...env(), ...extra }), overrides);

    beforeAll(async () => {
      provider = await startOidcProvider({
        clients: [confab, other],
        accounts: {
          alice: { email: 'alice@example.com', groups: ['staff', 'research'] },
          bob: { email: 'bob@example.com', groups: ['staff', 'confab-admins'] },
          carol: { email: 'carol@example.com', emailVerified: false, groups: ['staff'] },
          erin: { email: 'erin@example.com', groups: ['staff'] },
          frank: { email: 'frank@example.com', groups: ['staff'] },
          mallory: { email: 'mallory@example.com', groups: ['staff'] },
          olivia: { email: 'olivia@example.com', groups: ['staff'] },
          pat: { email: 'pat@example.com', groups: ['staff'] },
          dora: { email: 'dora@example.com', groups: ['staff'] },
          quinn: { email: 'quinn@example.com', groups: ['staff'] },
          sam: { email: 'sam@example.com', groups: ['staff'] },
          nomail: { groups: ['staff'] },
        },
      });
      database = await backend.open();
      h = harness();
      admin = await h.signup('root@example.com');
    });
    afterAll(async () => {
      await provider.close();
      await backend.cleanup();
    });

    const me = async (cookie: string | undefined) => h.json('GET', '/api/auth/me', { cookie });
    const audit = async (action: string) =>
      (await h.json('GET', `/api/admin/audit?action=${action}`, { cookie: admin.cookie })).body.entries as {
        actorEmail: string | null;
        target: string | null;
        details: Record<string, unknown>;
      }[];
    const userCount = async () => (await h.json('GET', '/api/admin/users?limit=100', { cookie: admin.cookie })).body.users.length as number;

    test('login-redirects-to-the-provider-with-pkce-state-and-nonce', async () => {
      const { url, cookie } = await begin(h);
      const to = new URL(url);
      expect(to.origin).toBe(provider.issuer);
      expect(to.searchParams.get('client_id')).toBe('confab');
      expect(to.searchParams.get('redirect_uri')).toBe(REDIRECT);
      expect(to.searchParams.get('response_type')).toBe('code');
      expect(to.searchParams.get('code_challenge_method')).toBe('S256');
      expect(to.searchParams.get('code_challenge')?.length).toBe(43);
      expect(to.searchParams.get('state')?.length).toBeGreaterThan(20);
      expect(to.searchParams.get('nonce')?.length).toBeGreaterThan(20);
      // The verifier and nonce stay sealed in the cookie, never readable there.
      expect(cookie).not.toContain(to.searchParams.get('state') as string);
    });

    test('a-first-sign-in-creates-an-account-with-an-ordinary-session', async () => {
      const done = await signIn(h, 'alice');
      expect(done.status).toBe(302);
      expect(done.res.headers.get('location')).toBe('/');
      const who = await me(done.session);
      expect(who.body).toMatchObject({ email: 'alice@example.com', role: 'user', status: 'active' });
      // The same session as a password login: it lists conversations and ends at logout.
      expect((await h.json('GET', '/api/conversations', { cookie: done.session })).status).toBe(200);
      const [entry] = await audit('auth.oidc_provision');
      expect(entry).toMatchObject({ actorEmail: 'alice@example.com', details: { role: 'user', status: 'active' } });
      expect((await audit('auth.login')).some((e) => e.actorEmail === 'alice@example.com' && e.details?.method === 'oidc')).toBe(true);
      const again = await signIn(h, 'alice');
      expect((await me(again.session)).body.id).toBe(who.body.id);
      const listed = (await h.json('GET', '/api/admin/users?q=alice', { cookie: admin.cookie })).body.users[0];
      expect(typeof listed.lastLoginAt).toBe('string');
    });

    test('wrong-state-is-refused-and-signs-nobody-in', async () => {
      const before = await userCount();
      const start = await begin(h);
      const back = await signInAtProvider(start.url, 'frank');
      back.searchParams.set('state', 'not-the-state-confab-sent');
      const done = await callback(h, back, start.cookie);
      expect({ status: done.status, code: done.body.error.code, session: done.session }).toEqual({
        status: 400,
        code: 'sso_invalid_state',
        session: undefined,
      });
      expect(await userCount()).toBe(before);
    });

    test('a-callback-without-the-sign-in-cookie-is-refused', async () => {
      const start = await begin(h);
      const back = await signInAtProvider(start.url, 'frank');
      const done = await callback(h, back, '');
      expect({ status: done.status, code: done.body.error.code }).toEqual({ status: 400, code: 'sso_invalid_state' });
    });

    test('a-replayed-code-is-refused', async () => {
      const start = await begin(h);
      const back = await signInAtProvider(start.url, 'pat');
      const first = await callback(h, back, start.cookie);
      expect(first.status).toBe(302);
      const replay = await callback(h, back, start.cookie);
      expect(replay.status).toBe(401);
      expect(replay.body.error.code).toBe('sso_rejected');
      expect(replay.session).toBeUndefined();
    });

    test('a-nonce-mismatch-is-refused', async () => {
      const start = await begin(h);
      const forged = new URL(start.url);
      forged.searchParams.set('nonce', 'a-nonce-confab-never-issued');
      const done = await callback(h, await signInAtProvider(forged.href, 'frank'), start.cookie);
      expect({ status: done.status, code: done.body.error.code, session: done.session }).toEqual({
        status: 401,
        code: 'sso_rejected',
        session: undefined,
      });
    });

    test('an-expired-id-token-is-refused', async () => {
      // This replica's clock runs two hours ahead of the provider's: every ID token it sees has expired.
      const late = harness({}, { oidc: createOidcClient(testConfig(env()).oidc!, { clockSkewSeconds: 7200 }) });
      const done = await signIn(late, 'frank');
      expect({ status: done.status, code: done.body.error.code, session: done.session }).toEqual({
        status: 401,
        code: 'sso_rejected',
        session: undefined,
      });
    });

    test('an-id-token-for-another-client-is-refused', async () => {
      provider.issueTokensTo(other);
      try {
        const start = await begin(h);
        // The code is issued to the other client, for Confab's redirect and PKCE challenge.
        const forOther = new URL(start.url);
        forOther.searchParams.set('client_id', other.clientId);
        const done = await callback(h, await signInAtProvider(forOther.href, 'frank'), start.cookie);
        expect({ status: done.status, code: done.body.error.code, session: done.session }).toEqual({
          status: 401,
          code: 'sso_rejected',
          session: undefined,
        });
      } finally {
        provider.issueTokensTo(undefined);
      }
    });

    test('an-unverified-email-does-not-link-to-a-local-account', async () => {
      const local = await h.signup('carol@example.com');
      const done = await signIn(h, 'carol');
      expect({ status: done.status, code: done.body.error.code, session: done.session }).toEqual({
        status: 409,
        code: 'sso_email_unverified',
        session: undefined,
      });
      expect((await audit('auth.oidc_refused')).some((e) => e.details.reason === 'email_unverified')).toBe(true);
      // The local account is untouched and still signs in with its password.
      expect((await me(local.cookie)).body.id).toBe(local.id);
    });

    test('a-verified-email-links-to-the-local-account', async () => {
      const local = await h.signup('erin@example.com');
      const done = await signIn(h, 'erin');
      expect(done.status).toBe(302);
      expect((await me(done.session)).body.id).toBe(local.id);
      const [entry] = await audit('auth.oidc_link');
      expect(entry).toMatchObject({ actorEmail: 'erin@example.com', target: `user:${local.id}` });
    });

    test('admin-groups-promote-and-a-removed-group-demotes-at-the-next-sign-in', async () => {
      const first = await signIn(h, 'bob');
      expect((await me(first.session)).body.role).toBe('admin');
      provider.accounts.set('bob', { email: 'bob@example.com', groups: ['staff'] });
      const next = await signIn(h, 'bob');
      expect((await me(next.session)).body.role).toBe('user');
      const changes = (await audit('auth.oidc_groups')).filter((e) => e.actorEmail === 'bob@example.com').map((e) => e.details.role);
      expect(changes).toEqual([
        { from: 'admin', to: 'user' },
        { from: 'user', to: 'admin' },
      ]);
    });

    test('provider-groups-set-the-confab-groups-of-the-same-name', async () => {
      const research = await h.json('POST', '/api/admin/groups', { cookie: admin.cookie, body: { name: 'research' } });
      const outsiders = await h.json('POST', '/api/admin/groups', { cookie: admin.cookie, body: { name: 'outsiders' } });
      const done = await signIn(h, 'alice');
      const alice = (await me(done.session)).body;
      await h.json('PATCH', `/api/admin/users/${alice.id}`, { cookie: admin.cookie, body: { groups: [outsiders.body.id] } });
      await signIn(h, 'alice');
      const users = (await h.json('GET', '/api/admin/users?limit=100', { cookie: admin.cookie })).body.users as {
        id: string;
        groups: { name: string }[];
      }[];
      expect(users.find((u) => u.id === alice.id)?.groups.map((g) => g.name)).toEqual(['research']);
      const [entry] = (await audit('auth.oidc_groups')).filter((e) => e.actorEmail === 'alice@example.com');
      expect(entry.details.groups).toEqual({ added: ['research'], removed: ['outsiders'] });
      expect(research.status).toBe(201);
    });

    test('a-user-outside-the-allowed-groups-is-refused-and-their-sessions-and-keys-end', async () => {
      const strict = harness({ OIDC_ALLOWED_GROUPS: 'staff' });
      const first = await signIn(strict, 'mallory');
      expect((await me(first.session)).status).toBe(200);
      const key = (await h.json('POST', '/api/keys', { cookie: first.session, body: { name: 'laptop' } })).body.key as string;
      const byKey = () => strict.json('GET', '/api/auth/me', { headers: { authorization: `Bearer ${key}` } });
      expect((await byKey()).status).toBe(200);
      provider.accounts.set('mallory', { email: 'mallory@example.com', groups: ['contractors'] });
      const refused = await signIn(strict, 'mallory');
      expect({ status: refused.status, code: refused.body.error.code, session: refused.session }).toEqual({
        status: 403,
        code: 'sso_group_forbidden',
        session: undefined,
      });
      expect((await me(first.session)).status).toBe(401);
      expect((await byKey()).status).toBe(401);
      const [entry] = await audit('auth.oidc_refused');
      expect(entry).toMatchObject({
        actorEmail: 'mallory@example.com',
        details: { reason: 'not_in_allowed_groups', groups: ['contractors'] },
      });
    });

    test('under-approval-a-new-sso-user-is-pending', async () => {
      await h.json('PATCH', '/api/admin/settings', { cookie: admin.cookie, body: { signup: 'approval' } });
      try {
        const done = await signIn(h, 'olivia');
        expect(done.status).toBe(302);
        expect((await me(done.session)).body).toMatchObject({ email: 'olivia@example.com', status: 'pending' });
        expect((await h.json('GET', '/api/conversations', { cookie: done.session })).body.error.code).toBe('account_pending');
      } finally {
        await h.json('PATCH', '/api/admin/settings', { cookie: admin.cookie, body: { signup: null } });
      }
    });

    test('a-disabled-account-is-not-signed-in-through-the-provider', async () => {
      const first = await signIn(h, 'dora');
      const dora = (await me(first.session)).body;
      await h.json('PATCH', `/api/admin/users/${dora.id}`, { cookie: admin.cookie, body: { status: 'disabled' } });
      const again = await signIn(h, 'dora');
      expect({ status: again.status, code: again.body.error.code, session: again.session }).toEqual({
        status: 401,
        code: 'unauthorized',
        session: undefined,
      });
    });

    test('without-auto-provisioning-an-unknown-person-is-refused', async () => {
      const before = await userCount();
      const done = await signIn(harness({ OIDC_AUTO_PROVISION: 'off' }), 'quinn');
      expect({ status: done.status, code: done.body.error.code }).toEqual({ status: 403, code: 'sso_account_unknown' });
      expect(await userCount()).toBe(before);
    });

    test('with-sign-up-closed-a-new-person-is-refused-and-existing-ones-still-sign-in', async () => {
      await h.json('PATCH', '/api/admin/settings', { cookie: admin.cookie, body: { signup: 'closed' } });
      try {
        const done = await signIn(h, 'sam');
        expect({ status: done.status, code: done.body.error.code }).toEqual({ status: 403, code: 'signup_closed' });
        expect((await signIn(h, 'alice')).status).toBe(302);
      } finally {
        await h.json('PATCH', '/api/admin/settings', { cookie: admin.cookie, body: { signup: null } });
      }
    });

    test('a-person-the-provider-shares-no-email-for-is-refused', async () => {
      const done = await signIn(h, 'nomail');
      expect({ status: done.status, code: done.body.error.code }).toEqual({ status: 403, code: 'sso_email_missing' });
    });

    test('a-browser-is-sent-back-to-the-ui-with-the-error-code', async () => {
      const start = await begin(h);
      const back = await signInAtProvider(start.url, 'frank');
      back.searchParams.set('state', 'tampered');
      const done = await callback(h, back, start.cookie, { accept: 'text/html' });
      expect(done.status).toBe(302);
      expect(done.res.headers.get('location')).toBe('/?sso_error=sso_invalid_state');
    });

    test('logout-ends-the-session-and-names-the-providers-logout-page', async () => {
      const done = await signIn(h, 'alice');
      const out = await h.json('POST', '/api/auth/logout', { cookie: done.session });
      expect(out.status).toBe(200);
      const to = new URL(out.body.logoutUrl);
      expect(to.origin).toBe(provider.issuer);
      expect(to.searchParams.get('client_id')).toBe('confab');
      expect(to.searchParams.get('post_logout_redirect_uri')).toBe('http://localhost/');
      expect((await me(done.session)).status).toBe(401);
      // A password user's logout names no provider.
      const local = await h.signup();
      expect((await h.json('POST', '/api/auth/logout', { cookie: local.cookie })).body).toEqual({ ok: true });
    });

    test('with-password-login-off-only-single-sign-on-is-offered', async () => {
      const ssoOnly = harness({ PASSWORD_LOGIN: 'off' });
      expect((await ssoOnly.json('GET', '/api/auth/methods')).body).toMatchObject({
        password: false,
        oidc: { label: 'Sign in with SSO', loginUrl: '/api/auth/oidc/login' },
      });
      const body = { email: 'root@example.com', password: 'correct horse battery' };
      for (const path of ['/api/auth/login', '/api/auth/signup']) {
        const res = await ssoOnly.json('POST', path, { body });
        expect({ status: res.status, code: res.body.error.code }).toEqual({ status: 403, code: 'password_login_disabled' });
      }
      const link = await ssoOnly.json('POST', '/api/auth/set-password', { body: { token: 'any-link-token', password: body.password } });
      expect({ status: link.status, code: link.body.error.code }).toEqual({ status: 403, code: 'password_login_disabled' });
      expect((await signIn(ssoOnly, 'alice')).status).toBe(302);
      expect((await h.json('GET', '/api/auth/methods')).body.password).toBe(true);
    });

    // These two change the provider's keys, which the harnesses that already fetched its JWKS hold for a minute.
    test('a-token-signed-by-another-key-is-refused', async () => {
      const fresh = harness();
      // Confab has seen the provider's JWKS before the tokens change key.
      expect((await signIn(fresh, 'alice')).status).toBe(302);
      await provider.signWithUnpublishedKey();
      // Past the minute openid-client waits before it fetches the JWKS again for an unknown key.
      setSystemTime(new Date(Date.now() + 61_000));
      try {
        const done = await signIn(fresh, 'frank');
        expect({ status: done.status, code: done.body.error.code, session: done.session }).toEqual({
          status: 401,
          code: 'sso_rejected',
          session: undefined,
        });
      } finally {
        setSystemTime();
        await provider.rotateKeys();
      }
    });

    test('a-rotated-signing-key-is-fetched-from-the-jwks', async () => {
      const fresh = harness();
      expect((await signIn(fresh, 'alice')).status).toBe(302);
      await provider.rotateKeys();
      // Past the minute openid-client waits before it fetches the JWKS again for an unknown key.
      setSystemTime(new Date(Date.now() + 61_000));
      const done = await signIn(fresh, 'alice').finally(() => setSystemTime());
      expect(done.status).toBe(302);
      expect((await me(done.session)).body.email).toBe('alice@example.com');
    });

    test('unconfigured-routes-answer-not-configured-and-methods-offer-passwords-only', async () => {
      const plain = createHarness(database, testConfig());
      expect((await plain.json('GET', '/api/auth/methods')).body).toMatchObject({ password: true, oidc: null, signup: 'open' });
      for (const path of ['/api/auth/oidc/login', '/api/auth/oidc/callback?code=x&state=y']) {
        const res = await plain.json('GET', path);
        expect({ status: res.status, code: res.body.error.code }).toEqual({ status: 404, code: 'sso_not_configured' });
      }
    });
  });
}
