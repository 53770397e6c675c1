/** Random tokens for sessions and API keys, and the hash under which they are stored. */
export function randomToken(bytes = 32): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString('base64url');
}

/** Tokens carry 256 bits of entropy, so a fast hash is enough and keeps per-request auth cheap. */
export function hashToken(token: string): string {
  return new Bun.CryptoHasher('sha256').update(token).digest('hex');
}
