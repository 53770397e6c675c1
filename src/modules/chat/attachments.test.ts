import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { count, eq } from 'drizzle-orm';
import { conversations, documents, messages } from '../../db/schema';
import { createHarness, type Harness, testConfig } from '../../testing/app-harness';
import { testDatabases } from '../../testing/databases';
import { waitForDocument } from '../../testing/documents';
import { type FakeUpstream, startFakeUpstream } from '../../testing/fake-upstream';
import { isEnd, TestSocket } from '../../testing/test-socket';
import { TITLE_PROMPT } from './title';
import { documentBudget, MAX_WHOLE_TOKENS } from './whole-documents';

type User = Awaited<ReturnType<Harness['signup']>>;
/** A local model: Confab assumes an 8,192-token window for it. */
const MODEL = 'local/tuned';

const LEAVE_POLICY = [
  '# Leave policy',
  'Every employee gets 25 days of paid leave a year.',
  'Carried-over days must be used by the end of March.',
  '',
  '## Sick leave',
  'Sick leave needs a doctor’s note after three days.',
].join('\n');

/** About 11,000 tokens of distinct sentences: more than a local model's window holds. */
const CATALOGUE = Array.from(
  { length: 700 },
  (_, i) =>
    `Catalogue item ${i + 1} is a ${['blue', 'green', 'red', 'amber'][i % 4]} widget made in workshop ${i % 37} and sold for ${i + 3} euros.`,
).join('\n\n');

/** The system messages the upstream read for its last chat turn (title requests are skipped). */
function lastSystemText(upstream: FakeUpstream): string {
  const isTitle = (body: { messages?: { content: unknown }[] }) => body.messages?.some((m) => m.content === TITLE_PROMPT);
  const req = upstream.requests.filter((r) => r.path === '/v1/chat/completions' && !isTitle(r.body ?? {})).at(-1);
  return (req?.body?.messages ?? [])
    .filter((m: { role: string }) => m.role === 'system')
    .map((m: { content: string }) => m.content)
    .join('\n');
}

describe('the whole-document budget', () => {
  const turn = { message: 'What does it say?', history: [] };
  test('leaves-room-for-the-answer-instructions-and-history', () => {
    const plain = documentBudget({ ...turn, contextWindow: 8192 });
    expect(plain).toBeLessThan(8192 - 1024);
    expect(plain).toBeGreaterThan(8192 - 1024 - 100);
    expect(documentBudget({ ...turn, contextWindow: 8192, maxTokens: 3000 })).toBe(plain + 1024 - 3000);
    const history = [{ role: 'user', content: 'word '.repeat(4000) }];
    // History counts up to a quarter of the window.
    expect(documentBudget({ ...turn, contextWindow: 8192, history })).toBe(plain - 2048);
  });
  test('never-reads-more-than-the-cap-however-large-the-window', () => {
    expect(documentBudget({ ...turn, contextWindow: 1_047_576 })).toBe(MAX_WHOLE_TOKENS);
  });
});

for (const backend of testDatabases()) {
  describe(`attachments and whole-document mode on ${backend.name}`, () => {
    let h: Harness;
    let upstream: FakeUpstream;
    let ann: User;
    let bob: User;
    let policyId: string;
    let catalogueId: string;
    beforeAll(async () => {
      upstream = await startFakeUpstream({ models: ['tuned'], record: true });
      h = createHarness(await backend.open(), testConfig({ LOCAL_LLM_BASE_URL: `${upstream.url}/v1` }));
      ann = await h.signup();
      bob = await h.signup();
      policyId = await upload(ann, 'leave-policy.md', LEAVE_POLICY);
      catalogueId = await upload(ann, 'catalogue.md', CATALOGUE);
    });
    afterAll(async () => {
      if (h.app.server) await h.app.stop(true);
      await backend.cleanup();
      await upstream.stop();
    });

    async function upload(who: User, name: string, text: string): Promise<string> {
      const form = new FormData();
      form.append('file', new File([text], name, { type: 'text/markdown' }));
      const res = await h.request('POST', '/api/documents', { cookie: who.cookie, raw: form });
      const { id } = (await res.json()) as { id: string };
      expect((await waitForDocument(h.ctx.database, id)).status).toBe('ready');
      return id;
    }
    const chat = (who: User, body: Record<string, unknown>) => h.json('POST', '/api/chat', { cookie: who.cookie, body });
    const detail = async (who: User, id: string) => (await h.json('GET', `/api/conversations/${id}`, { cookie: who.cookie })).body;
    const messageCount = async () => (await h.ctx.database.db.select({ n: count() }).from(messages))[0].n;

    test('attachments-are-stored-with-the-user-message-and-returned-with-the-conversation', async () => {
      const res = await chat(ann, { model: MODEL, message: 'What is in this file?', attachments: [policyId] });
      expect(res.status).toBe(200);
      const conv = await detail(ann, res.body.conversationId);
      const [user, assistant] = conv.messages;
      expect(user.attachments).toEqual([
        { documentId: policyId, name: 'leave-policy.md', mimeType: 'text/markdown', sizeBytes: Buffer.byteLength(LEAVE_POLICY) },
      ]);
      expect(assistant.attachments).toEqual([]);
      // The export carries them too.
      const exported = await h.json('GET', `/api/conversations/${res.body.conversationId}/export`, { cookie: ann.cookie });
      expect(exported.body.messages[0].attachments).toEqual(user.attachments);
    });

    test('an-imported-export-keeps-the-attachments-that-are-the-importers-own', async () => {
      const res = await chat(ann, { model: MODEL, message: 'Travel with me', attachments: [policyId] });
      const id = res.body.conversationId;
      const file = JSON.stringify((await h.json('GET', `/api/conversations/${id}/export`, { cookie: ann.cookie })).body);
      const importAs = async (who: User) => {
        const form = new FormData();
        form.append('file', new File([file], 'conversation.json', { type: 'application/json' }));
        const imported = await h.json('POST', '/api/conversations/import', { cookie: who.cookie, raw: form });
        expect(imported.status).toBe(201);
        return (await detail(who, imported.body.imported[0].id)).messages[0].attachments;
      };
      // Bob's copy names no document of Ann's.
      expect(await importAs(bob)).toEqual([]);
      // Ann's own file comes back with her copy, once the original is gone.
      expect((await h.json('DELETE', `/api/conversations/${id}`, { cookie: ann.cookie })).status).toBe(204);
      expect((await importAs(ann)).map((a: { documentId: string }) => a.documentId)).toEqual([policyId]);
    });

    test('the-chat-frame-takes-attachments-and-refuses-a-foreign-one-with-its-code', async () => {
      h.app.listen({ port: 0, hostname: '127.0.0.1' });
      const url = `ws://127.0.0.1:${h.app.server!.port}/ws/chat`;
      const mine = await TestSocket.open(url, { cookie: ann.cookie });
      const theirs = await TestSocket.open(url, { cookie: bob.cookie });
      try {
        const ok = `att-${crypto.randomUUID()}`;
        mine.send({
          type: 'chat',
          requestId: ok,
          model: 'offline',
          message: 'When must carried-over days be used?',
          attachments: [policyId],
        });
        expect((await mine.until(isEnd(ok))).type).toBe('done');
        expect(mine.text(ok)).toContain('by the end of March');
        const start = mine.of(ok).find((f) => f.type === 'start') as unknown as { conversationId: string };
        expect((await detail(ann, start.conversationId)).messages[0].attachments[0].documentId).toBe(policyId);
        const refused = `att-${crypto.randomUUID()}`;
        const stored = await messageCount();
        theirs.send({ type: 'chat', requestId: refused, model: 'offline', message: 'Hers', attachments: [policyId] });
        expect(await theirs.until(isEnd(refused))).toMatchObject({ type: 'error', code: 'unknown_attachment' });
        expect(await messageCount()).toBe(stored);
      } finally {
        await Promise.all([mine.close(), theirs.close()]);
      }
    });

    test('a-foreign-or-unknown-attachment-answers-404-and-stores-nothing', async () => {
      const first = await chat(ann, { model: MODEL, message: 'Start here' });
      const id = first.body.conversationId;
      const [before] = await h.ctx.database.db.select().from(conversations).where(eq(conversations.id, id));
      const stored = await messageCount();
      for (const attachments of [[policyId], [crypto.randomUUID()]]) {
        const res = await chat(bob, { model: MODEL, message: 'Read her file', attachments });
        expect([res.status, res.body.error.code]).toEqual([404, 'unknown_attachment']);
      }
      const mixed = await chat(ann, { conversationId: id, model: MODEL, message: 'Both', attachments: [policyId, crypto.randomUUID()] });
      expect([mixed.status, mixed.body.error.code]).toEqual([404, 'unknown_attachment']);
      expect(await messageCount()).toBe(stored);
      const [after] = await h.ctx.database.db.select().from(conversations).where(eq(conversations.id, id));
      expect(after.settings).toEqual(before.settings);
      expect(after.updatedAt).toEqual(before.updatedAt);
    });

    test('an-attachment-still-being-read-answers-409-naming-it', async () => {
      const [doc] = await h.ctx.database.db
        .insert(documents)
        .values({
          userId: ann.id,
          name: 'slow.pdf',
          mimeType: 'application/pdf',
          sizeBytes: 10,
          sha256: crypto.randomUUID(),
          storagePath: `x/${crypto.randomUUID()}`,
          status: 'processing',
        })
        .returning();
      const stored = await messageCount();
      const res = await chat(ann, { model: MODEL, message: 'Summarise it', attachments: [doc.id] });
      expect([res.status, res.body.error.code]).toEqual([409, 'attachment_not_ready']);
      expect(res.body.error.message).toContain('slow.pdf');
      expect(res.body.error.details.pending).toEqual([{ documentId: doc.id, name: 'slow.pdf', status: 'processing' }]);
      expect(await messageCount()).toBe(stored);
    });

    test('an-attachment-that-fits-reaches-the-model-whole-with-its-name', async () => {
      const res = await chat(ann, { model: MODEL, message: 'How many days of leave?', attachments: [policyId] });
      expect(res.status).toBe(200);
      const system = lastSystemText(upstream);
      expect(system).toContain("The user's documents, whole");
      expect(system).toContain('[1] (leave-policy.md)');
      for (const line of LEAVE_POLICY.split('\n').filter(Boolean)) expect(system).toContain(line);
      expect(system).not.toContain('Passages from the user');
    });

    test('an-attachment-too-big-for-the-window-is-searched-instead', async () => {
      const res = await chat(ann, { model: MODEL, message: 'Which widget costs 500 euros?', attachments: [catalogueId] });
      expect(res.status).toBe(200);
      const system = lastSystemText(upstream);
      expect(system).toContain('Passages from the user');
      expect(system).toContain('(catalogue.md)');
      expect(system).not.toContain("The user's documents, whole");
      // Retrieval names only passages, a small part of the file.
      expect(system.length).toBeLessThan(CATALOGUE.length / 4);
      // And it is restricted to the attachment: the other document is never a passage.
      expect(system).not.toContain('leave-policy.md');
    });

    test('the-offline-model-quotes-a-whole-attachment-with-its-offsets', async () => {
      const res = await chat(ann, { model: 'offline', message: 'By when must carried-over days be used?', attachments: [policyId] });
      expect(res.status).toBe(200);
      const { content, citations } = res.body.message;
      expect(content).toContain('Carried-over days must be used by the end of March');
      expect(citations).toHaveLength(1);
      const [c] = citations;
      expect(c).toMatchObject({ n: 1, documentId: policyId, documentName: 'leave-policy.md', cited: true, page: null });
      const quote = c.quotes[0];
      expect(LEAVE_POLICY.slice(quote.start, quote.end)).toBe('Carried-over days must be used by the end of March.');
      expect(LEAVE_POLICY.slice(c.start, c.end)).toBe(c.text);
    });

    test('files-attached-earlier-in-the-conversation-stay-in-hand-for-follow-ups', async () => {
      const first = await chat(ann, { model: MODEL, message: 'Here is the policy', attachments: [policyId] });
      await chat(ann, { conversationId: first.body.conversationId, model: MODEL, message: 'And sick leave?' });
      expect(lastSystemText(upstream)).toContain('Sick leave needs a doctor’s note after three days.');
    });

    test('whole-document-mode-reads-picked-documents-whole-and-retrieve-mode-forces-search', async () => {
      const first = await chat(ann, { model: MODEL, message: 'Picked, not attached', documentIds: [policyId] });
      const id = first.body.conversationId;
      // auto: picked documents are searched, as before.
      expect(lastSystemText(upstream)).toContain('Passages from the user');
      const whole = await h.json('PATCH', `/api/conversations/${id}`, { cookie: ann.cookie, body: { documentMode: 'whole' } });
      expect([whole.status, whole.body.settings.documentMode]).toEqual([200, 'whole']);
      await chat(ann, { conversationId: id, model: MODEL, message: 'Now whole' });
      expect(lastSystemText(upstream)).toContain("The user's documents, whole");
      const retrieve = await h.json('PATCH', `/api/conversations/${id}`, { cookie: ann.cookie, body: { documentMode: 'retrieve' } });
      expect(retrieve.body.settings.documentMode).toBe('retrieve');
      await chat(ann, { conversationId: id, model: MODEL, message: 'How many days of leave?', attachments: [policyId] });
      const system = lastSystemText(upstream);
      expect(system).toContain('Passages from the user');
      expect(system).not.toContain("The user's documents, whole");
      // A turn may name the mode itself; the conversation remembers it.
      await chat(ann, { conversationId: id, model: MODEL, message: 'Whole again', documentMode: 'whole' });
      expect(lastSystemText(upstream)).toContain("The user's documents, whole");
      expect((await detail(ann, id)).settings.documentMode).toBe('whole');
      const bad = await h.json('PATCH', `/api/conversations/${id}`, { cookie: ann.cookie, body: { documentMode: 'everything' } });
      expect(bad.status).toBe(400);
    });
  });
}
