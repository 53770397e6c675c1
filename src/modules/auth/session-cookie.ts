import { SESSION_COOKIE } from './guard';

/** Whether the browser reached us over HTTPS, directly or through a proxy that says so. */
export const overHttps = (request: Request) => request.url.startsWith('https:') || request.headers.get('x-forwarded-proto') === 'https';

/** A cookie for the whole site, HttpOnly and SameSite=Lax; an empty value with `maxAgeS` 0 clears it. */
export function cookie(request: Request, name: string, value: string, maxAgeS: number, path = '/'): string {
  return `${name}=${value}; Path=${path}; HttpOnly; SameSite=Lax; Max-Age=${maxAgeS}${overHttps(request) ? '; Secure' : ''}`;
}

export const sessionCookie = (request: Request, token: string, maxAgeS: number) => cookie(request, SESSION_COOKIE, token, maxAgeS);
