import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import { conversations } from '../../db/schema';
import { createHarness, type Harness, testConfig } from '../../testing/app-harness';
import { testDatabases } from '../../testing/databases';
import { type FakeUpstream, type Reply, startFakeUpstream } from '../../testing/fake-upstream';
import { isTitleRequest } from '../../testing/title-requests';
import { heuristicTitle } from './title';

type User = Awaited<ReturnType<Harness['signup']>>;
const MODEL = 'local/tuned';

/**
 * The system messages and sampling fields the upstream received for its last turn. A title is
 * written in the background after a first turn and may arrive later, so title requests are skipped.
 */

function lastCall(upstream: FakeUpstream) {
  const req = upstream.requests.filter((r) => r.path === '/v1/chat/completions' && !isTitleRequest(r.body ?? {})).at(-1);
  const body = req?.body ?? {};
  return {
    system: (body.messages ?? []).filter((m: { role: string }) => m.role === 'system').map((m: { content: string }) => m.content),
    temperature: body.temperature,
    topP: body.top_p,
    maxTokens: body.max_tokens,
  };
}

for (const backend of testDatabases()) {
  describe(`instructions, per-conversation settings and presets on ${backend.name}`, () => {
    let h: Harness;
    let upstream: FakeUpstream;
    let admin: User;
    let ann: User;
    let bob: User;
    beforeAll(async () => {
      upstream = await startFakeUpstream({ models: ['tuned'], record: true });
      h = createHarness(await backend.open(), testConfig({ LOCAL_LLM_BASE_URL: `${upstream.url}/v1` }));
      admin = await h.signup('root@example.com');
      ann = await h.signup();
      bob = await h.signup();
    });
    afterAll(async () => {
      await backend.cleanup();
      await upstream.stop();
    });
    const chat = (who: User, body: Record<string, unknown>) =>
      h.json('POST', '/api/chat', { cookie: who.cookie, body: { model: MODEL, ...body } });
    const patch = (who: User, id: string, body: unknown) => h.json('PATCH', `/api/conversations/${id}`, { cookie: who.cookie, body });

    test('a-model-writes-the-title-of-a-new-conversation', async () => {
      const first = await chat(bob, { message: 'Which trains run to the coast on Sundays?' });
      expect(first.status).toBe(200);
      const id = first.body.conversationId;
      const heuristic = heuristicTitle('Which trains run to the coast on Sundays?');
      // The model's title comes with the answer, or after it, replacing the heuristic one.
      let title = heuristic;
      for (let i = 0; i < 300 && title === heuristic; i++) {
        title = (await h.json('GET', `/api/conversations/${id}`, { cookie: bob.cookie })).body.title;
        if (title === heuristic) await Bun.sleep(10);
      }
      expect(upstream.requests.some((r) => r.path === '/v1/chat/completions' && isTitleRequest(r.body ?? {}))).toBe(true);
      expect(title).not.toBe(heuristic);
      expect(title).not.toBe('New chat');
      expect(title.length).toBeGreaterThan(1);
    });

    test('a-model-title-that-comes-before-the-answer-ends-is-stored-with-the-answer', async () => {
      const reply: Reply = (r) =>
        isTitleRequest(r.body ?? {})
          ? { text: 'Sunday Coast Trains', delayMs: 150 }
          : { text: 'The 9:14 from the central station.', delayMs: 400 };
      upstream.script('/v1/chat/completions', reply, reply);
      const first = await chat(bob, { message: 'When does the first coast train leave on Sundays?' });
      expect(first.status).toBe(200);
      expect(first.body.message.content).toBe('The 9:14 from the central station.');
      const conversation = await h.json('GET', `/api/conversations/${first.body.conversationId}`, { cookie: bob.cookie });
      expect(conversation.body.title).toBe('Sunday Coast Trains');
    });

    test('a-first-answer-that-fails-leaves-its-conversation-untitled-though-the-title-comes', async () => {
      const reply: Reply = (r) =>
        isTitleRequest(r.body ?? {})
          ? { text: 'Lost Luggage Claims', delayMs: 100 }
          : { status: 400, body: { error: { message: 'bad request', type: 'invalid_request_error' } } };
      upstream.script('/v1/chat/completions', reply, reply);
      const first = await chat(bob, { message: 'How do I claim for lost luggage?' });
      expect(first.body.error.code).toBe('upstream_rejected');
      await Bun.sleep(400);
      const [newest] = (await h.json('GET', '/api/conversations', { cookie: bob.cookie })).body.items;
      expect(newest.title).toBe('New chat');
    });

    test('custom-instructions-reach-the-model-on-every-turn-and-a-conversation-can-override-them', async () => {
      const saved = await h.json('PATCH', '/api/me/settings', { cookie: ann.cookie, body: { systemPrompt: 'Answer like a pirate.' } });
      expect(saved.status).toBe(200);
      expect(saved.body).toEqual({ systemPrompt: 'Answer like a pirate.', defaultModel: null, defaultPlugins: [] });
      expect((await h.json('GET', '/api/me/settings', { cookie: ann.cookie })).body.systemPrompt).toBe('Answer like a pirate.');
      const first = await chat(ann, { message: 'Hello there' });
      expect(first.status).toBe(200);
      expect(lastCall(upstream).system).toContain('Answer like a pirate.');
      const id = first.body.conversationId;
      expect((await patch(ann, id, { systemPrompt: 'Answer in French.' })).body.settings.systemPrompt).toBe('Answer in French.');
      await chat(ann, { conversationId: id, message: 'And now?' });
      expect(lastCall(upstream).system).toContain('Answer in French.');
      expect(lastCall(upstream).system).not.toContain('Answer like a pirate.');
      // Bob's turns carry none of Ann's instructions.
      await chat(bob, { message: 'Hi' });
      expect(lastCall(upstream).system.join(' ')).not.toContain('pirate');
    });

    test('conversation-parameters-reach-the-provider-and-are-used-by-every-turn', async () => {
      const first = await chat(ann, { message: 'Tune me' });
      const id = first.body.conversationId;
      const set = await patch(ann, id, { params: { temperature: 0.2, topP: 0.9, maxTokens: 256 } });
      expect(set.status).toBe(200);
      expect(set.body.settings.params).toEqual({ temperature: 0.2, topP: 0.9, maxTokens: 256 });
      await chat(ann, { conversationId: id, message: 'Again' });
      expect(lastCall(upstream)).toMatchObject({ temperature: 0.2, topP: 0.9, maxTokens: 256 });
      // Regenerating (a turn from an earlier point) uses them too.
      const detail = (await h.json('GET', `/api/conversations/${id}`, { cookie: ann.cookie })).body;
      const firstUser = detail.messages.find((m: { role: string }) => m.role === 'user');
      await chat(ann, { conversationId: id, parentId: firstUser.parentId, message: 'Tune me' });
      expect(lastCall(upstream)).toMatchObject({ temperature: 0.2, topP: 0.9, maxTokens: 256 });
      const cleared = await patch(ann, id, { params: null });
      expect(cleared.body.settings.params).toEqual({});
      await chat(ann, { conversationId: id, message: 'Plain' });
      expect(lastCall(upstream)).toMatchObject({ temperature: undefined, topP: undefined, maxTokens: undefined });
    });

    test('the-tools-documents-and-model-a-turn-names-are-remembered-by-the-conversation', async () => {
      const first = await chat(ann, { message: 'Remember my tools', plugins: ['code_interpreter'] });
      expect(first.status).toBe(200);
      const id = first.body.conversationId;
      const detail = (await h.json('GET', `/api/conversations/${id}`, { cookie: ann.cookie })).body;
      expect(detail.model).toBe(MODEL);
      expect(detail.settings.plugins).toEqual(['code_interpreter']);
      const next = await chat(ann, { conversationId: id, message: 'Without naming a model', model: undefined });
      expect(next.body.message.model).toBe(MODEL);
    });

    test('bad-settings-answer-a-clear-4xx-and-change-nothing', async () => {
      const { conversationId: id } = (await chat(ann, { message: 'Keep me' })).body;
      await patch(ann, id, { params: { temperature: 1 } });
      // The title is left out: it is written in the background after the first turn, whenever it comes.
      const stored = async () => {
        const [c] = await h.ctx.database.db.select().from(conversations).where(eq(conversations.id, id));
        return {
          model: c.model,
          settings: c.settings,
          pinned: c.pinned,
          archived: c.archived,
          folderId: c.folderId,
          updatedAt: c.updatedAt,
        };
      };
      const before = await stored();
      const bobsDoc = await h.request('POST', '/api/documents', {
        cookie: bob.cookie,
        raw: (() => {
          const f = new FormData();
          f.append('file', new File(['bob only'], 'bob.txt', { type: 'text/plain' }));
          return f;
        })(),
      });
      const bobDocId = ((await bobsDoc.json()) as { id: string }).id;
      const cases: [unknown, number, string][] = [
        [{ params: { temperature: 3 } }, 400, 'validation_error'],
        [{ params: { topP: -0.1 } }, 400, 'validation_error'],
        [{ params: { maxTokens: 0 } }, 400, 'validation_error'],
        [{ params: { maxTokens: 1.5 } }, 400, 'validation_error'],
        [{ params: { maxTokens: 199_999 } }, 400, 'validation_error'],
        [{ params: { seed: 4 } }, 400, 'validation_error'],
        [{ systemPrompt: 'x'.repeat(20_001) }, 400, 'validation_error'],
        [{ model: 'no-such-model' }, 400, 'unknown_model'],
        [{ plugins: ['no_such_plugin'] }, 404, 'unknown_plugin'],
        [{ documentIds: [bobDocId] }, 400, 'unknown_document'],
        [{ colour: 'blue' }, 400, 'validation_error'],
      ];
      for (const [body, status, code] of cases) {
        const res = await patch(ann, id, body);
        expect([res.status, res.body.error?.code], JSON.stringify(body).slice(0, 80)).toEqual([status, code]);
      }
      expect(await stored()).toEqual(before);
      // The message names the field and its bound, not just "expected object or null".
      expect((await patch(ann, id, { params: { temperature: 3 } })).body.error.message).toBe(
        'Invalid body params.temperature: Expected number to be less or equal to 2',
      );
      expect((await patch(bob, id, { systemPrompt: 'mine now' })).status).toBe(404);
      const turn = await chat(ann, { conversationId: id, message: 'Use his file', documentIds: [bobDocId] });
      expect([turn.status, turn.body.error.code]).toEqual([400, 'unknown_document']);
    });

    test('a-preset-starts-a-conversation-with-its-settings-and-only-admins-publish', async () => {
      const made = await h.json('POST', '/api/presets', {
        cookie: ann.cookie,
        body: { name: 'Translator', model: MODEL, systemPrompt: 'Translate to German.', params: { temperature: 0 } },
      });
      expect(made.status).toBe(201);
      expect(made.body).toMatchObject({ name: 'Translator', mine: true, published: false });
      const refused = await h.json('PATCH', `/api/presets/${made.body.id}`, { cookie: ann.cookie, body: { published: true } });
      expect([refused.status, refused.body.error.code]).toEqual([403, 'forbidden']);
      expect((await h.json('GET', '/api/presets', { cookie: bob.cookie })).body.presets).toEqual([]);
      const started = await h.json('POST', '/api/conversations', { cookie: ann.cookie, body: { presetId: made.body.id } });
      expect(started.status).toBe(201);
      expect(started.body).toMatchObject({ model: MODEL, settings: { systemPrompt: 'Translate to German.', params: { temperature: 0 } } });
      await chat(ann, { conversationId: started.body.id, message: 'Good morning', model: undefined });
      expect(lastCall(upstream).system).toContain('Translate to German.');
      expect(lastCall(upstream).temperature).toBe(0);
      // Bob can neither use nor change Ann's private preset.
      expect((await h.json('POST', '/api/conversations', { cookie: bob.cookie, body: { presetId: made.body.id } })).status).toBe(404);
      expect((await h.json('DELETE', `/api/presets/${made.body.id}`, { cookie: bob.cookie })).status).toBe(404);

      const published = await h.json('POST', '/api/presets', {
        cookie: admin.cookie,
        body: { name: 'Company voice', systemPrompt: 'Be brief.', published: true },
      });
      expect(published.status).toBe(201);
      const seen = (await h.json('GET', '/api/presets', { cookie: bob.cookie })).body.presets;
      expect(seen.map((p: { name: string; mine: boolean }) => [p.name, p.mine])).toEqual([['Company voice', false]]);
      expect((await h.json('PATCH', `/api/presets/${published.body.id}`, { cookie: bob.cookie, body: { name: 'Mine' } })).status).toBe(404);
      const fromPublished = await h.json('POST', '/api/conversations', { cookie: bob.cookie, body: { presetId: published.body.id } });
      expect(fromPublished.body.settings.systemPrompt).toBe('Be brief.');
    });

    test('feedback-on-an-answer-is-kept-per-user-and-exported-for-admins', async () => {
      const turn = await chat(ann, { message: 'Rate this answer' });
      const messageId = turn.body.message.id;
      const given = await h.json('POST', `/api/messages/${messageId}/feedback`, {
        cookie: ann.cookie,
        body: { rating: 'down', comment: 'Too vague' },
      });
      expect(given.body).toEqual({ messageId, rating: 'down', comment: 'Too vague' });
      const detail = (await h.json('GET', `/api/conversations/${turn.body.conversationId}`, { cookie: ann.cookie })).body;
      expect(detail.messages.find((m: { id: string }) => m.id === messageId).feedback).toEqual({ rating: 'down', comment: 'Too vague' });
      expect((await h.json('POST', `/api/messages/${messageId}/feedback`, { cookie: bob.cookie, body: { rating: 'up' } })).status).toBe(
        404,
      );
      const userMessage = detail.messages.find((m: { role: string }) => m.role === 'user').id;
      expect((await h.json('POST', `/api/messages/${userMessage}/feedback`, { cookie: ann.cookie, body: { rating: 'up' } })).status).toBe(
        404,
      );
      expect((await h.json('GET', '/api/admin/feedback', { cookie: ann.cookie })).status).toBe(403);
      const exported = await h.json('GET', '/api/admin/feedback', { cookie: admin.cookie });
      expect(exported.body.entries[0]).toMatchObject({
        messageId,
        userEmail: ann.email,
        rating: 'down',
        comment: 'Too vague',
        question: 'Rate this answer',
        model: MODEL,
      });
      const jsonl = await h.request('GET', '/api/admin/feedback?format=jsonl', { cookie: admin.cookie });
      expect(jsonl.headers.get('content-type')).toContain('application/x-ndjson');
      expect(JSON.parse((await jsonl.text()).trim().split('\n')[0]).messageId).toBe(messageId);
      await h.json('POST', `/api/messages/${messageId}/feedback`, { cookie: ann.cookie, body: { rating: null } });
      expect((await h.json('GET', '/api/admin/feedback', { cookie: admin.cookie })).body.entries).toEqual([]);
    });

    test('a-default-model-and-tools-start-new-conversations', async () => {
      const set = await h.json('PATCH', '/api/me/settings', {
        cookie: bob.cookie,
        body: { defaultModel: MODEL, defaultPlugins: ['code_interpreter'] },
      });
      expect(set.status).toBe(200);
      const turn = await h.json('POST', '/api/chat', { cookie: bob.cookie, body: { message: 'Which model?' } });
      expect(turn.body.message.model).toBe(MODEL);
      const detail = (await h.json('GET', `/api/conversations/${turn.body.conversationId}`, { cookie: bob.cookie })).body;
      expect(detail.settings.plugins).toEqual(['code_interpreter']);
      const bad = await h.json('PATCH', '/api/me/settings', { cookie: bob.cookie, body: { defaultModel: 'nope' } });
      expect([bad.status, bad.body.error.code]).toEqual([400, 'unknown_model']);
      expect((await h.json('GET', '/api/me/settings', { cookie: bob.cookie })).body.defaultModel).toBe(MODEL);
    });
  });
}
