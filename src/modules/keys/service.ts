import { and, desc, eq, isNull } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { apiKeys, users } from '../../db/schema';
import { notFound } from '../../lib/errors';
import type { Revocations } from '../auth/revocation';
import { toUserView, type UserView } from '../auth/service';
import { hashToken, randomToken } from '../auth/tokens';

export const KEY_PREFIX = 'cfb_';

export interface KeyView {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

type KeyRow = typeof apiKeys.$inferSelect;

const toKeyView = (k: KeyRow): KeyView => ({
  id: k.id,
  name: k.name,
  prefix: k.prefix,
  createdAt: k.createdAt.toISOString(),
  lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
  revokedAt: k.revokedAt?.toISOString() ?? null,
});

export async function createKey(db: Db, userId: string, name: string): Promise<KeyView & { key: string }> {
  const key = KEY_PREFIX + randomToken();
  const [row] = await db
    .insert(apiKeys)
    .values({ userId, name, prefix: key.slice(0, 12), keyHash: hashToken(key) })
    .returning();
  return { ...toKeyView(row), key };
}

export async function listKeys(db: Db, userId: string): Promise<KeyView[]> {
  const rows = await db.select().from(apiKeys).where(eq(apiKeys.userId, userId)).orderBy(desc(apiKeys.createdAt));
  return rows.map(toKeyView);
}

export async function getKey(db: Db, userId: string, id: string): Promise<KeyView> {
  const [row] = await db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.id, id), eq(apiKeys.userId, userId)));
  if (!row) throw notFound('API key');
  return toKeyView(row);
}

/** Revokes a key and tells every replica, so cached lookups, sockets and turns using it end. */
export async function revokeKey(db: Db, revocations: Revocations, userId: string, id: string): Promise<KeyView> {
  const [row] = await db
    .update(apiKeys)
    .set({ revokedAt: new Date() })
    .where(and(eq(apiKeys.id, id), eq(apiKeys.userId, userId), isNull(apiKeys.revokedAt)))
    .returning();
  if (row) {
    await revocations.publish({ kind: 'apiKey', id: row.id });
    return toKeyView(row);
  }
  const [existing] = await db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.id, id), eq(apiKeys.userId, userId)));
  if (!existing) throw notFound('API key');
  return toKeyView(existing);
}

export interface KeyPrincipal {
  user: UserView;
  apiKeyId: string;
  keyHash: string;
}

export async function findActiveKey(db: Db, key: string): Promise<KeyPrincipal | null> {
  const keyHash = hashToken(key);
  const [row] = await db
    .select({ keyId: apiKeys.id, id: users.id, email: users.email, role: users.role, status: users.status, createdAt: users.createdAt })
    .from(apiKeys)
    .innerJoin(users, eq(users.id, apiKeys.userId))
    .where(and(eq(apiKeys.keyHash, keyHash), isNull(apiKeys.revokedAt)));
  return row ? { user: toUserView(row), apiKeyId: row.keyId, keyHash } : null;
}

export async function touchKey(db: Db, apiKeyId: string): Promise<void> {
  await db.update(apiKeys).set({ lastUsedAt: new Date() }).where(eq(apiKeys.id, apiKeyId));
}
