import { and, asc, desc, eq, inArray, lt, or } from 'drizzle-orm';
import { Zip, ZipDeflate } from 'fflate';
import type { Db } from '../../db/client';
import { conversations, type MessageRow, messageColumns, messages } from '../../db/schema';
import { attachmentsOf } from '../chat/attachments';
import { CONFAB_FORMAT } from './import/confab-file';
import { getOwnedConversation } from './service';
import { settingsOf } from './settings';

type ConversationRow = typeof conversations.$inferSelect;

/** A conversation as Confab exports it and reads back: every message of every branch, linked by `parentId`. */
export function toPortable(c: ConversationRow, rows: MessageRow[]) {
  return {
    format: CONFAB_FORMAT,
    version: 1 as const,
    id: c.id,
    importKey: c.importKey,
    title: c.title,
    model: c.model,
    pinned: c.pinned,
    archived: c.archived,
    // Instructions and parameters travel with the conversation; tools and documents belong to this server.
    settings: portableSettings(c.settings),
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
    messages: rows.map((m) => ({
      id: m.id,
      parentId: m.parentId,
      role: m.role,
      content: m.content,
      model: m.model,
      status: m.status,
      createdAt: m.createdAt.toISOString(),
      citations: (m.citations as unknown[] | null) ?? [],
      attachments: attachmentsOf(m),
    })),
  };
}

export type PortableConversation = ReturnType<typeof toPortable>;

function portableSettings(stored: unknown) {
  const { systemPrompt, params } = settingsOf(stored);
  return { systemPrompt, params };
}

const messagesOf = (db: Db, ids: string[]) =>
  db.select(messageColumns).from(messages).where(inArray(messages.conversationId, ids)).orderBy(asc(messages.createdAt), asc(messages.id));

export async function exportConversation(db: Db, userId: string, id: string): Promise<PortableConversation> {
  const conversation = await getOwnedConversation(db, userId, id);
  return toPortable(conversation, await messagesOf(db, [id]));
}

/** The branch a conversation shows: from its newest message back to the first. */
export function shownThread<M extends { id: string; parentId: string | null }>(rows: M[]): M[] {
  const byId = new Map(rows.map((m) => [m.id, m]));
  const thread: M[] = [];
  for (let m = rows.at(-1); m; m = m.parentId ? byId.get(m.parentId) : undefined) thread.push(m);
  return thread.reverse();
}

const SPEAKER = { user: 'You', assistant: 'Assistant', system: 'System', tool: 'Tool' } as const;

/** The branch a person sees, as Markdown: a heading per turn, the text as it was written. */
export function toMarkdown(c: PortableConversation): string {
  const turns = shownThread(c.messages).map((m) => {
    const who = m.role === 'assistant' && m.model ? `${SPEAKER[m.role]} (${m.model})` : SPEAKER[m.role];
    const files = m.attachments.length ? `_Attached: ${m.attachments.map((a) => a.name).join(', ')}_\n\n` : '';
    return `## ${who}\n\n${files}${m.content}\n`;
  });
  return [`# ${c.title}\n`, `_Exported from Confab. Created ${c.createdAt}._\n`, ...turns].join('\n');
}

/** A file name for a download: the title's letters and digits, never a path or a quote. */
export function fileNameFor(title: string, ext: string): string {
  const stem = title
    .normalize('NFKD')
    .replace(/[^\w\s-]/g, '')
    .trim()
    .replace(/\s+/g, '-')
    .slice(0, 60);
  return `${stem || 'conversation'}.${ext}`;
}

const PAGE = 50;

/** Every conversation of a user, newest first, a page at a time, so a large history is never held whole. */
async function* conversationPages(db: Db, userId: string): AsyncGenerator<PortableConversation[]> {
  let after: { updatedAt: Date; id: string } | undefined;
  for (;;) {
    const page = await db
      .select()
      .from(conversations)
      .where(
        and(
          eq(conversations.userId, userId),
          after
            ? or(
                lt(conversations.updatedAt, after.updatedAt),
                and(eq(conversations.updatedAt, after.updatedAt), lt(conversations.id, after.id)),
              )
            : undefined,
        ),
      )
      .orderBy(desc(conversations.updatedAt), desc(conversations.id))
      .limit(PAGE);
    if (page.length === 0) return;
    const rows = await messagesOf(
      db,
      page.map((c) => c.id),
    );
    const byConversation = Map.groupBy(rows, (m) => m.conversationId);
    yield page.map((c) => toPortable(c, byConversation.get(c.id) ?? []));
    if (page.length < PAGE) return;
    const last = page[page.length - 1];
    after = { updatedAt: last.updatedAt, id: last.id };
  }
}

const encoder = new TextEncoder();

/** Every conversation of a user as JSON Lines: one Confab export a line. */
export function exportAll(db: Db, userId: string): ReadableStream<Uint8Array> {
  const pages = conversationPages(db, userId);
  return new ReadableStream({
    async pull(controller) {
      const next = await pages.next();
      if (next.done) return controller.close();
      controller.enqueue(encoder.encode(next.value.map((c) => `${JSON.stringify(c)}\n`).join('')));
    },
  });
}

/** Every conversation of a user as a zip: each as JSON (every branch, re-importable) and as Markdown. */
export function exportZip(db: Db, userId: string): ReadableStream<Uint8Array> {
  const pages = conversationPages(db, userId);
  let zip: Zip;
  return new ReadableStream({
    start(controller) {
      zip = new Zip((err, chunk, final) => {
        if (err) return controller.error(err);
        controller.enqueue(chunk);
        if (final) controller.close();
      });
    },
    async pull() {
      const next = await pages.next();
      if (next.done) return zip.end();
      for (const c of next.value) {
        const stem = fileNameFor(c.title, '').slice(0, -1);
        for (const [name, text] of [
          [`${stem}-${c.id.slice(0, 8)}.json`, JSON.stringify(c, null, 2)],
          [`${stem}-${c.id.slice(0, 8)}.md`, toMarkdown(c)],
        ]) {
          const file = new ZipDeflate(name, { level: 6 });
          zip.add(file);
          file.push(encoder.encode(text), true);
        }
      }
    },
  });
}
