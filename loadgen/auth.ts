import { endpoint } from './executor';

/**
 * Signs up a throwaway load user on a fresh server and mints an API key for it, so a run needs no
 * manual setup. Returns the key; it is used only in request headers and never printed.
 */
export async function provisionApiKey(baseUrl: string, timeoutMs = 15_000): Promise<string> {
  const email = `loadgen-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}@loadgen.invalid`;
  const password = `lg-${crypto.randomUUID()}`;
  const signup = await fetch(endpoint(baseUrl, '/api/auth/signup'), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!signup.ok) {
    throw new Error(`signing up a load user failed with status ${signup.status}; pass --api-key instead`);
  }
  const session = sessionCookie(signup.headers.getSetCookie());
  if (!session) throw new Error('sign-up answered without a confab_session cookie; pass --api-key instead');
  const created = await fetch(endpoint(baseUrl, '/api/keys'), {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: session },
    body: JSON.stringify({ name: 'loadgen' }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!created.ok) throw new Error(`creating an API key failed with status ${created.status}; pass --api-key instead`);
  const body = (await created.json()) as { key?: unknown };
  if (typeof body.key !== 'string') throw new Error('POST /api/keys answered without a key');
  return body.key;
}

function sessionCookie(setCookies: string[]): string | null {
  for (const header of setCookies) {
    const pair = header.split(';')[0].trim();
    if (pair.startsWith('confab_session=')) return pair;
  }
  return null;
}
