import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import { conversations, documents, messages, usageLogs } from '../../db/schema';
import { ragLookupPlugin } from '../../plugins/rag-lookup';
import { chunkText } from '../../rag/chunk';
import { replaceDocumentChunks } from '../../rag/chunk-store';
import { createHarness, type Harness, testConfig } from '../../testing/app-harness';
import { testDatabases } from '../../testing/databases';
import type { MessageRow } from './persist';
import { buildPrompt } from './prompt';

const RAG = ragLookupPlugin.name;

const HANDBOOK = [
  '# Expense policy',
  'Employees may claim travel expenses within 30 days of the trip. Receipts must be attached to every claim.',
  '# Office hours',
  'The office opens at 8am and closes at 6pm on weekdays. On Fridays the office closes at 4pm.',
  '# Equipment',
  'Laptops are replaced every three years. Lost equipment must be reported to the IT desk within one day.',
].join('\n\n');

/** A ready document with real chunks and offline embeddings, as ingestion would leave it. */
async function addDocument(h: Harness, userId: string, name: string, text: string): Promise<string> {
  const [doc] = await h.ctx.database.db
    .insert(documents)
    .values({
      userId,
      name,
      mimeType: 'text/markdown',
      sizeBytes: text.length,
      sha256: crypto.randomUUID(),
      storagePath: `x/${crypto.randomUUID()}`,
      status: 'processing',
    })
    .returning();
  const chunks = chunkText({ text, kind: 'markdown' }, { maxTokens: 40, overlapTokens: 0, minTokens: 5 });
  const vectors = await h.ctx.embedder.embed(chunks.map((c) => c.text));
  await replaceDocumentChunks(h.ctx.database, { id: doc.id, userId }, { model: h.ctx.embedder.model, chunks, vectors });
  return doc.id;
}

for (const tdb of testDatabases()) {
  describe(`/api/chat on ${tdb.name}`, () => {
    let h: Harness;
    let user: { cookie: string; id: string };
    beforeAll(async () => {
      h = createHarness(await tdb.open(), testConfig());
      user = await h.signup();
    });
    afterAll(() => tdb.cleanup());
    const chat = (body: Record<string, unknown>, cookie = user.cookie) => h.json('POST', '/api/chat', { cookie, body });

    test('first-turn-creates-a-titled-conversation-with-both-messages', async () => {
      const res = await chat({ message: 'How do I claim travel expenses?' });
      expect(res.status).toBe(200);
      expect(res.body.message.role).toBe('assistant');
      expect(res.body.message.usage.completionTokens).toBeGreaterThan(0);
      expect(res.headers.get('x-ratelimit-remaining-requests')).not.toBeNull();
      const conv = await h.json('GET', `/api/conversations/${res.body.conversationId}`, { cookie: user.cookie });
      expect(conv.body.title).toBe('How do I claim travel expenses?');
      expect(conv.body.messages.map((m: { role: string; status: string }) => [m.role, m.status])).toEqual([
        ['user', 'complete'],
        ['assistant', 'complete'],
      ]);
      expect(conv.body.messages[1].parentId).toBe(conv.body.messages[0].id);
    });

    test('parent-id-branches-an-edit-from-an-earlier-point-and-keeps-both-branches', async () => {
      const first = await chat({ message: 'First question about laptops?' });
      const conversationId = first.body.conversationId;
      const second = await chat({ conversationId, message: 'A question I will edit' });
      const edited = await chat({ conversationId, message: 'The edited question', parentId: first.body.message.id });
      expect(edited.status).toBe(200);
      const conv = await h.json('GET', `/api/conversations/${conversationId}`, { cookie: user.cookie });
      const byId = new Map(conv.body.messages.map((m: any) => [m.id, m]));
      const editedUser: any = byId.get((byId.get(edited.body.message.id) as any).parentId);
      expect(editedUser.content).toBe('The edited question');
      expect(editedUser.parentId).toBe(first.body.message.id);
      expect(byId.has(second.body.message.id)).toBe(true);
      const fromTop = await chat({ conversationId, message: 'Start over', parentId: null });
      expect(fromTop.status).toBe(200);
      const after = await h.json('GET', `/api/conversations/${conversationId}`, { cookie: user.cookie });
      expect(after.body.messages.find((m: any) => m.content === 'Start over').parentId).toBeNull();
      const other = await h.signup();
      const foreign = await chat({ message: 'mine' }, other.cookie);
      const refused = await chat({ conversationId, message: 'x', parentId: foreign.body.message.id });
      expect(refused.status).toBe(404);
    });

    test('rag-lookup-on-the-offline-model-answers-from-the-document-with-citations', async () => {
      const documentId = await addDocument(h, user.id, 'handbook.md', HANDBOOK);
      const res = await chat({ message: 'When does the office close on Fridays?', plugins: [RAG] });
      expect(res.status).toBe(200);
      const { content, citations } = res.body.message;
      expect(content).toContain('4pm');
      const cited = [...content.matchAll(/\[(\d+)\]/g)].map((m: RegExpMatchArray) => Number(m[1]));
      expect(cited.length).toBeGreaterThan(0);
      const source = citations.find((c: { n: number }) => c.n === cited[0]);
      expect(source).toMatchObject({ documentId, documentName: 'handbook.md' });
      expect(source.text).toContain('Fridays the office closes at 4pm');
      expect(HANDBOOK.slice(source.start, source.end)).toBe(source.text);
      expect(Object.keys(source).sort()).toEqual(
        ['chunkId', 'cited', 'documentId', 'documentName', 'end', 'n', 'page', 'quotes', 'score', 'section', 'start', 'text'].sort(),
      );
      expect(source.cited).toBe(true);
      expect(source.section).toBe('Office hours');
      expect(source.quotes.map((q: { start: number; end: number }) => HANDBOOK.slice(q.start, q.end))).toEqual([
        'On Fridays the office closes at 4pm.',
      ]);
    });

    test('a-question-the-documents-do-not-cover-is-declined-plainly-with-nothing-cited', async () => {
      await addDocument(h, user.id, 'handbook-dogs.md', HANDBOOK);
      const res = await chat({ message: 'What is the policy on bringing dogs to work?', plugins: [RAG] });
      expect(res.status).toBe(200);
      const { content, citations } = res.body.message;
      expect(content).toContain('found no information about this in your documents');
      expect(content).not.toMatch(/\[\d+\]/);
      expect(citations.every((c: { cited: boolean; quotes: unknown[] }) => c.cited === false && c.quotes.length === 0)).toBe(true);
    });

    test('document-ids-search-only-those-documents-without-naming-a-plugin', async () => {
      const documentId = await addDocument(h, user.id, 'handbook-copy.md', HANDBOOK);
      const res = await chat({ message: 'When does the office close on Fridays?', documentIds: [documentId] });
      expect(res.status).toBe(200);
      const { content, citations } = res.body.message;
      expect(content).toContain('4pm');
      expect(citations.length).toBeGreaterThan(0);
      expect(citations.every((c: { documentId: string }) => c.documentId === documentId)).toBe(true);
    });

    test('a-retried-request-id-returns-the-stored-answer-without-a-new-call', async () => {
      const requestId = crypto.randomUUID();
      const first = await chat({ message: 'Hello again', requestId });
      const second = await chat({ message: 'Hello again', requestId });
      expect(second.body).toEqual(first.body);
      const conv = await h.json('GET', `/api/conversations/${first.body.conversationId}`, { cookie: user.cookie });
      expect(conv.body.messages).toHaveLength(2);
      const logged = () => h.ctx.database.db.select().from(usageLogs).where(eq(usageLogs.requestId, requestId));
      for (let i = 0; i < 100 && (await logged()).length === 0; i++) await Bun.sleep(20);
      expect(await logged()).toHaveLength(1);
    });

    test('a-follow-up-continues-the-thread', async () => {
      const first = await chat({ message: 'First question' });
      const second = await chat({ message: 'Second question', conversationId: first.body.conversationId });
      expect(second.body.conversationId).toBe(first.body.conversationId);
      const conv = await h.json('GET', `/api/conversations/${first.body.conversationId}`, { cookie: user.cookie });
      expect(conv.body.messages.map((m: { content: string }) => m.content).filter((c: string) => c.endsWith('question'))).toEqual([
        'First question',
        'Second question',
      ]);
      expect(conv.body.messages[2].parentId).toBe(conv.body.messages[1].id);
    });

    test('another-users-conversation-is-not-found', async () => {
      const mine = await chat({ message: 'Private' });
      const other = await h.signup();
      const res = await chat({ message: 'Let me in', conversationId: mine.body.conversationId }, other.cookie);
      expect(res.status).toBe(404);
    });

    test('unknown-model-is-refused-before-anything-is-stored', async () => {
      const fresh = await h.signup();
      const db = h.ctx.database.db;
      const stored = async () => ({
        conversations: await db.select().from(conversations).where(eq(conversations.userId, fresh.id)),
        messages: await db.select().from(messages).where(eq(messages.userId, fresh.id)),
      });
      const res = await chat({ message: 'Hi', model: 'no-such-model' }, fresh.cookie);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('unknown_model');
      expect(await stored()).toEqual({ conversations: [], messages: [] });
      const thread = await chat({ message: 'Hello' }, fresh.cookie);
      const before = await stored();
      const refused = await chat({ message: 'Hi', model: 'no-such-model', conversationId: thread.body.conversationId }, fresh.cookie);
      expect(refused.status).toBe(400);
      expect((await stored()).messages).toEqual(before.messages);
    });

    test('disabled-plugin-is-reported-and-not-run', async () => {
      const patched = await h.json('PATCH', `/api/plugins/${RAG}`, { cookie: user.cookie, body: { enabled: false } });
      expect(patched.body).toMatchObject({ name: RAG, enabled: false });
      const list = await h.json('GET', '/api/plugins', { cookie: user.cookie });
      expect(list.body.plugins.find((p: { name: string }) => p.name === RAG).enabled).toBe(false);
      const res = await chat({ message: 'When does the office close on Fridays?', plugins: [RAG] });
      expect(res.body.message.citations).toEqual([]);
      const conv = await h.json('GET', `/api/conversations/${res.body.conversationId}`, { cookie: user.cookie });
      expect(conv.body.messages[1].plugins[0]).toMatchObject({ name: RAG, ok: false, error: { code: 'plugin_disabled' } });
      await h.json('PATCH', `/api/plugins/${RAG}`, { cookie: user.cookie, body: { enabled: true } });
    });

    test('benchmark-reports-each-model-and-isolates-failures', async () => {
      const res = await h.json('POST', '/api/benchmark', {
        cookie: user.cookie,
        body: { prompt: 'Hi', models: ['offline', 'missing-model'] },
      });
      expect(res.status).toBe(200);
      const [offline, missing] = res.body.results;
      expect(offline).toMatchObject({ model: 'offline', ok: true, costUsd: 0 });
      expect(offline.totalMs).toBeGreaterThanOrEqual(0);
      expect(offline.usage.completionTokens).toBeGreaterThan(0);
      expect(missing).toMatchObject({ model: 'missing-model', ok: false, error: { code: 'unknown_model' } });
    });
  });
}

describe('context trimming', () => {
  const row = (role: 'user' | 'assistant', content: string, i: number) =>
    ({ id: String(i), role, content, status: 'complete' }) as MessageRow;

  test('keeps-the-newest-history-that-fits-the-window', () => {
    const history = Array.from({ length: 40 }, (_, i) => row(i % 2 ? 'assistant' : 'user', `message ${i} ${'word '.repeat(50)}`, i));
    const prompt = buildPrompt({ history, message: 'latest', pluginContext: [], contextWindow: 2_000 });
    expect(prompt.inputTokens).toBeLessThanOrEqual(2_000 - 500);
    expect(prompt.dropped).toBeGreaterThan(0);
    expect(prompt.messages.at(-1)).toEqual({ role: 'user', content: 'latest' });
    expect(prompt.messages.at(-2)!.content).toStartWith('message 39');
    expect(prompt.messages[0].role).toBe('system');
  });

  test('skips-failed-and-empty-answers', () => {
    const history = [row('user', 'q', 1), { ...row('assistant', 'broken', 2), status: 'error' } as MessageRow];
    const prompt = buildPrompt({ history, message: 'again', pluginContext: [], contextWindow: 16_000 });
    expect(prompt.messages.map((m) => m.content)).not.toContain('broken');
  });
});
