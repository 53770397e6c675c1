import type { SecretBox } from '../../lib/secret-box';
import type { LoginTransaction } from './oidc-client';

export const OIDC_COOKIE = 'confab_oidc';
/** How long a person has at the provider before the sign-in has to start again. */
export const OIDC_TRANSACTION_TTL_S = 600;
const CONTEXT = 'oidc-login';

/**
 * The sign-in in progress travels in a cookie sealed with the server's secret key, so any replica
 * can finish it and nothing is stored for sign-ins that are never finished.
 */
export const sealTransaction = (box: SecretBox, transaction: LoginTransaction, now = Date.now()) =>
  box.seal(JSON.stringify({ ...transaction, expiresAt: now + OIDC_TRANSACTION_TTL_S * 1000 }), CONTEXT);

/** The transaction the cookie holds, or undefined when it is missing, forged, from another key or expired. */
export async function openTransaction(box: SecretBox, sealed: string | undefined, now = Date.now()): Promise<LoginTransaction | undefined> {
  if (!sealed) return undefined;
  try {
    const value = JSON.parse(await box.open(sealed, CONTEXT));
    if (typeof value.expiresAt !== 'number' || value.expiresAt < now) return undefined;
    const { state, nonce, codeVerifier } = value;
    if (typeof state !== 'string' || typeof nonce !== 'string' || typeof codeVerifier !== 'string') return undefined;
    return { state, nonce, codeVerifier };
  } catch {
    return undefined;
  }
}
