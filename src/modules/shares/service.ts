import { createHash, randomBytes } from 'node:crypto';
import type { Static } from '@sinclair/typebox';
import { and, asc, desc, eq } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { messages, shares } from '../../db/schema';
import { notFound } from '../../lib/errors';
import type { SecretBox } from '../../lib/secret-box';
import { shownThread } from '../conversations/export';
import { getOwnedConversation } from '../conversations/service';
import type { SharedConversation, ShareView } from './model';

export interface ShareDeps {
  db: Db;
  secrets: SecretBox;
}

type ShareRow = typeof shares.$inferSelect;
type Snapshot = Static<typeof SharedConversation>;

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');
const sealContext = (id: string) => `share:${id}`;

/**
 * The branch the owner sees, as anyone may see it: only what was said, in order; system prompts
 * and tools stay private, and an answer still being written waits for the next snapshot.
 */
async function takeSnapshot(db: Db, conversationId: string, title: string): Promise<Snapshot> {
  const rows = await db
    .select({ id: messages.id, parentId: messages.parentId, role: messages.role, content: messages.content, status: messages.status })
    .from(messages)
    .where(eq(messages.conversationId, conversationId))
    .orderBy(asc(messages.createdAt), asc(messages.id));
  const said = shownThread(rows).flatMap((m) =>
    (m.role === 'user' || m.role === 'assistant') && m.status !== 'streaming' && m.content ? [{ role: m.role, content: m.content }] : [],
  );
  return { title, sharedAt: new Date().toISOString(), messages: said };
}

async function toView(deps: ShareDeps, row: ShareRow, origin: string): Promise<Static<typeof ShareView>> {
  const token = await deps.secrets.open(row.tokenSealed, sealContext(row.id));
  const snapshot = row.snapshot as Snapshot;
  return {
    id: row.id,
    conversationId: row.conversationId,
    title: snapshot.title,
    token,
    url: `${origin}/s/${token}`,
    messages: snapshot.messages.length,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/**
 * Shares a conversation, or takes its snapshot again when it is shared already (the link stays
 * the same). Later messages appear on the page only after this runs again.
 */
export async function shareConversation(
  deps: ShareDeps,
  userId: string,
  conversationId: string,
  origin: string,
): Promise<{ share: Static<typeof ShareView>; created: boolean }> {
  const conversation = await getOwnedConversation(deps.db, userId, conversationId);
  const snapshot = await takeSnapshot(deps.db, conversationId, conversation.title);
  const [existing] = await deps.db.select().from(shares).where(eq(shares.conversationId, conversationId));
  if (existing) {
    const [row] = await deps.db.update(shares).set({ snapshot, updatedAt: new Date() }).where(eq(shares.id, existing.id)).returning();
    return { share: await toView(deps, row, origin), created: false };
  }
  const id = crypto.randomUUID();
  const token = randomBytes(32).toString('base64url');
  const [row] = await deps.db
    .insert(shares)
    .values({
      id,
      userId,
      conversationId,
      tokenHash: hashToken(token),
      tokenSealed: await deps.secrets.seal(token, sealContext(id)),
      snapshot,
    })
    .onConflictDoUpdate({ target: shares.conversationId, set: { snapshot, updatedAt: new Date() } })
    .returning();
  return { share: await toView(deps, row, origin), created: row.id === id };
}

export async function listShares(deps: ShareDeps, userId: string, origin: string) {
  const rows = await deps.db.select().from(shares).where(eq(shares.userId, userId)).orderBy(desc(shares.createdAt), desc(shares.id));
  return { items: await Promise.all(rows.map((r) => toView(deps, r, origin))) };
}

/** Revokes a share: its link answers 404 from now on. */
export async function revokeShare(db: Db, userId: string, id: string): Promise<void> {
  const rows = await db
    .delete(shares)
    .where(and(eq(shares.id, id), eq(shares.userId, userId)))
    .returning({ id: shares.id });
  if (rows.length === 0) throw notFound('Share');
}

/** The snapshot behind a link, for anyone who has it. */
export async function readShare(db: Db, token: string): Promise<Snapshot> {
  const [row] = await db
    .select({ snapshot: shares.snapshot })
    .from(shares)
    .where(eq(shares.tokenHash, hashToken(token)));
  if (!row) throw notFound('Shared conversation');
  return row.snapshot as Snapshot;
}
