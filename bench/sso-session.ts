/**
 * What an SSO sign-in costs the requests after it: one process serves `GET /api/conversations` to
 * a user who logged in with a password (the baseline) and to one who signed in through a real
 * OpenID provider on loopback, in pairs of random order so both see the same machine at the same
 * moments. Prints p50/p99 of each and the ratio of the SSO user's to the baseline's. Target: a
 * ratio of 1 within the noise, since both hold the same kind of session.
 *
 *   bun run bench:sso [--rounds 3] [--requests 2000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../src/app';
import { loadConfig } from '../src/config';
import { createContext } from '../src/create-context';
import { openPglite } from '../src/db/client';
import { signInAtProvider, startOidcProvider } from '../src/testing/oidc-provider';

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const REQUESTS = Number(arg('requests') ?? 2_000);
const ROUNDS = Number(arg('rounds') ?? 3);
const REDIRECT = 'http://localhost/api/auth/oidc/callback';

const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];
const cookieOf = (res: Response, name: string) =>
  res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .find((c) => c.startsWith(`${name}=`) && c.length > name.length + 1) as string;

const provider = await startOidcProvider({
  clients: [{ clientId: 'confab', clientSecret: 'bench-secret', redirectUris: [REDIRECT] }],
  accounts: { sso: { email: 'sso@confab.invalid', groups: ['staff'] } },
});
const dataDir = mkdtempSync(join(tmpdir(), 'confab-bench-sso-'));
const database = openPglite('memory://');
await database.migrate();
const config = loadConfig({
  LOG_LEVEL: 'error',
  DATA_DIR: dataDir,
  OIDC_ISSUER: provider.issuer,
  OIDC_CLIENT_ID: 'confab',
  OIDC_CLIENT_SECRET: 'bench-secret',
  OIDC_REDIRECT_URL: REDIRECT,
  OIDC_SCOPES: 'openid email groups',
});
const root = createContext(config, { database });
await root.started;
const app = createApp(root.ctx);
const call = (path: string, headers: Record<string, string> = {}, init: RequestInit = {}) =>
  app.handle(new Request(`http://localhost${path}`, { ...init, headers: { 'content-type': 'application/json', ...headers } }));

try {
  const signup = await call(
    '/api/auth/signup',
    {},
    { method: 'POST', body: JSON.stringify({ email: 'pw@confab.invalid', password: 'bench password 1' }) },
  );
  const password = cookieOf(signup, 'confab_session');
  const login = await call('/api/auth/oidc/login');
  const back = await signInAtProvider(login.headers.get('location') as string, 'sso');
  const done = await call(`${back.pathname}${back.search}`, { cookie: cookieOf(login, 'confab_oidc') });
  const sso = cookieOf(done, 'confab_session');
  if (!password || !sso) throw new Error('could not sign both users in');

  const cookies = { password, sso };
  const timed = async (who: keyof typeof cookies) => {
    const t0 = performance.now();
    const res = await call('/api/conversations', { cookie: cookies[who] });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`${who}: ${res.status}`);
    return performance.now() - t0;
  };
  for (let i = 0; i < 200; i++) await timed(i % 2 ? 'password' : 'sso');
  for (let round = 1; round <= ROUNDS; round++) {
    const ms = { password: [] as number[], sso: [] as number[] };
    for (let i = 0; i < REQUESTS; i++) {
      const order = Math.random() < 0.5 ? (['password', 'sso'] as const) : (['sso', 'password'] as const);
      for (const who of order) ms[who].push(await timed(who));
    }
    const line = (who: keyof typeof ms) => `p50 ${percentile(ms[who], 0.5).toFixed(3)} ms, p99 ${percentile(ms[who], 0.99).toFixed(3)} ms`;
    const ratio = percentile(ms.sso, 0.5) / percentile(ms.password, 0.5);
    console.log(
      `round ${round}: password session ${line('password')}; SSO session ${line('sso')}; SSO/password p50 ratio ${ratio.toFixed(3)}`,
    );
  }
} finally {
  await root.close();
  await database.close();
  await provider.close();
  rmSync(dataDir, { recursive: true, force: true });
}
