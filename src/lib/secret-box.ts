import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { AppError } from './errors';

/**
 * Credentials stored at rest (provider API keys, MCP tokens) are sealed with AES-256-GCM through
 * WebCrypto. Each value gets its own random 96-bit IV, and the stored form names the key that
 * sealed it — `v1.<key id>.<iv>.<ciphertext and tag>`, base64url — so that after a rotation values
 * sealed under a previous key still open and can be found to be sealed again under the new one.
 * The caller's `context` (e.g. `connection:<id>`) is bound in as additional data: a sealed value
 * copied onto another row does not open there.
 */
export interface SecretBox {
  /** The id of the key new values are sealed under. */
  readonly keyId: string;
  seal(plaintext: string, context: string): Promise<string>;
  /** Throws `secret_unreadable` when no key of this box opens the value. */
  open(sealed: string, context: string): Promise<string>;
  /** True when the value was sealed under another key than the current one. */
  isStale(sealed: string): boolean;
}

export const SECRET_KEY_BYTES = 32;
const FORMAT = 'v1';
const IV_BYTES = 12;

/** A key as `SECRET_KEY` spells it: 32 bytes in base64 (standard or URL-safe) or 64 hex digits; undefined otherwise. */
export function parseSecretKey(text: string): Uint8Array | undefined {
  const t = text.trim();
  const bytes = /^[0-9a-fA-F]{64}$/.test(t)
    ? Buffer.from(t, 'hex')
    : /^[A-Za-z0-9+/_-]{43}=?$/.test(t)
      ? Buffer.from(t.replace(/-/g, '+').replace(/_/g, '/'), 'base64')
      : undefined;
  return bytes?.length === SECRET_KEY_BYTES ? new Uint8Array(bytes) : undefined;
}

/** A key's public name: a hash, so the stored form says which key sealed it without saying anything about the key. */
function secretKeyId(key: Uint8Array): string {
  return createHash('sha256').update('confab secret key id\0').update(key).digest('hex').slice(0, 12);
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
const unb64 = (text: string) => new Uint8Array(Buffer.from(text, 'base64url'));
const utf8 = new TextEncoder();

function unreadable(internal: string): AppError {
  return new AppError('secret_unreadable', { internal });
}

/** A box sealing under `current` and opening under `current` or any of `previous`. */
export function createSecretBox(current: Uint8Array, previous: readonly Uint8Array[] = []): SecretBox {
  const keys = new Map<string, Promise<CryptoKey>>();
  for (const raw of [current, ...previous]) {
    const id = secretKeyId(raw);
    if (!keys.has(id)) keys.set(id, crypto.subtle.importKey('raw', new Uint8Array(raw), 'AES-GCM', false, ['encrypt', 'decrypt']));
  }
  const keyId = secretKeyId(current);
  const parts = (sealed: string) => {
    const [format, id, iv, data, ...rest] = sealed.split('.');
    return format === FORMAT && id && iv && data && rest.length === 0 ? { id, iv, data } : undefined;
  };
  return {
    keyId,
    async seal(plaintext, context) {
      const iv = new Uint8Array(randomBytes(IV_BYTES));
      const key = await keys.get(keyId)!;
      const data = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: utf8.encode(context) }, key, utf8.encode(plaintext));
      return [FORMAT, keyId, b64(iv), b64(new Uint8Array(data))].join('.');
    },
    async open(sealed, context) {
      const p = parts(sealed);
      if (!p) throw unreadable('not a sealed value');
      const key = keys.get(p.id);
      if (!key) throw unreadable(`sealed under key ${p.id}, which this server does not hold`);
      try {
        const data = await crypto.subtle.decrypt(
          { name: 'AES-GCM', iv: unb64(p.iv), additionalData: utf8.encode(context) },
          await key,
          unb64(p.data),
        );
        return new TextDecoder().decode(data);
      } catch {
        throw unreadable(`sealed value under key ${p.id} failed authentication`);
      }
    },
    isStale: (sealed) => parts(sealed)?.id !== keyId,
  };
}

/**
 * The key kept in `path`, created there (32 random bytes, base64, mode 0600) when absent. The file
 * appears whole or not at all, so replicas starting together on a shared volume agree on one key.
 */
export function readOrCreateKeyFile(path: string): { key: Uint8Array; created: boolean } {
  if (!existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true });
    const draft = `${path}.${process.pid}.${Date.now()}.tmp`;
    writeFileSync(draft, `${b64(new Uint8Array(randomBytes(SECRET_KEY_BYTES)))}\n`, { mode: 0o600 });
    chmodSync(draft, 0o600);
    try {
      linkSync(draft, path);
      return { key: readKeyFile(path), created: true };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      unlinkSync(draft);
    }
  }
  return { key: readKeyFile(path), created: false };
}

function readKeyFile(path: string): Uint8Array {
  const key = parseSecretKey(readFileSync(path, 'utf8'));
  if (!key) throw new AppError('config_invalid', { internal: `${path} does not hold a 32-byte key in base64 or hex` });
  return key;
}
