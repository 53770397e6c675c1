import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import { strFromU8, unzipSync } from 'fflate';
import { createHarness, type Harness, testConfig } from '../../testing/app-harness';
import { testDatabases } from '../../testing/databases';

/** ChatGPT's data export as it is: a `mapping` tree with a hidden system root, an edited prompt (two branches) and float `create_time`s. */
function chatgptFile(id = 'c0ffee00-1111-4222-8333-444455556666') {
  const t0 = 1_767_225_600.123456;
  const node = (nodeId: string, parent: string | null, children: string[], message: unknown) => ({ id: nodeId, parent, children, message });
  const msg = (role: string, text: string, at: number, extra: Record<string, unknown> = {}) => ({
    id: `m-${text.length}-${at}`,
    author: { role, name: null, metadata: {} },
    create_time: at,
    update_time: null,
    content: { content_type: 'text', parts: [text] },
    status: 'finished_successfully',
    end_turn: true,
    weight: 1,
    metadata: {},
    recipient: 'all',
    ...extra,
  });
  return [
    {
      title: 'Sourdough starter',
      create_time: t0,
      update_time: t0 + 120.5,
      conversation_id: id,
      id,
      current_node: 'a2',
      default_model_slug: 'gpt-4o',
      mapping: {
        root: node('root', null, ['sys'], null),
        sys: node('sys', 'root', ['u1', 'u1b'], {
          ...msg('system', '', t0),
          metadata: { is_visually_hidden_from_conversation: true },
        }),
        u1: node('u1', 'sys', ['a1'], msg('user', 'How do I feed a sourdough starter?', t0 + 1.25)),
        a1: node('a1', 'u1', [], {
          ...msg('assistant', 'Feed it equal weights of flour and water daily.', t0 + 3.5),
          metadata: { model_slug: 'gpt-4o' },
        }),
        u1b: node('u1b', 'sys', ['tool1'], msg('user', 'How often should I feed a rye sourdough starter?', t0 + 60.75)),
        tool1: node('tool1', 'u1b', ['a2'], { ...msg('assistant', 'search("rye starter")', t0 + 61), recipient: 'browser' }),
        a2: node('a2', 'tool1', [], {
          ...msg('assistant', 'Rye starters like two feedings a day.', t0 + 65.5),
          metadata: { model_slug: 'gpt-4o' },
        }),
      },
      moderation_results: [],
      plugin_ids: null,
      is_archived: false,
    },
  ];
}

/** Open WebUI's "Export chats": a list of chats, each with its history tree (a regenerated answer here). */
function openWebuiFile() {
  return [
    {
      id: '3d2f6a1e-0000-4000-8000-000000000001',
      user_id: 'someone',
      title: 'Rust lifetimes',
      chat: {
        id: '',
        title: 'Rust lifetimes',
        models: ['llama3.1:8b'],
        history: {
          currentId: 'b2',
          messages: {
            q1: {
              id: 'q1',
              parentId: null,
              childrenIds: ['b1', 'b2'],
              role: 'user',
              content: 'What is a lifetime?',
              timestamp: 1_767_300_000,
            },
            b1: {
              id: 'b1',
              parentId: 'q1',
              childrenIds: [],
              role: 'assistant',
              content: 'A scope.',
              model: 'llama3.1:8b',
              timestamp: 1_767_300_005,
            },
            b2: {
              id: 'b2',
              parentId: 'q1',
              childrenIds: [],
              role: 'assistant',
              content: 'A region of code a borrow is valid for.',
              model: 'llama3.1:8b',
              timestamp: 1_767_300_050,
            },
          },
        },
        messages: [],
        tags: [],
        timestamp: 1_767_300_000_000,
      },
      updated_at: 1_767_300_050,
      created_at: 1_767_300_000,
      share_id: null,
      archived: false,
      pinned: true,
      meta: {},
      folder_id: null,
    },
  ];
}

const form = (content: string, name = 'conversations.json') => {
  const f = new FormData();
  f.append('file', new File([content], name, { type: 'application/json' }));
  return f;
};

for (const backend of testDatabases()) {
  describe(`conversation export and import on ${backend.name}`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = createHarness(await backend.open());
    });
    afterAll(() => backend.cleanup());

    const importFile = (cookie: string, content: string) => h.json('POST', '/api/conversations/import', { cookie, raw: form(content) });
    const countOf = async (userId: string) =>
      (await h.ctx.database.rows<{ n: number }>(sql`select count(*)::int as n from conversations where user_id = ${userId}`))[0].n;
    const messageCountOf = async (userId: string) =>
      (await h.ctx.database.rows<{ n: number }>(sql`select count(*)::int as n from messages where user_id = ${userId}`))[0].n;

    test('imports-chatgpt-mapping-tree-with-both-branches', async () => {
      const u = await h.signup();
      const res = await importFile(u.cookie, JSON.stringify(chatgptFile()));
      expect(res.status).toBe(201);
      expect(res.body.imported).toHaveLength(1);
      expect(res.body.imported[0]).toMatchObject({ title: 'Sourdough starter', messages: 4 });
      const detail = await h.json('GET', `/api/conversations/${res.body.imported[0].id}`, { cookie: u.cookie });
      const byText = new Map(detail.body.messages.map((m: any) => [m.content, m]));
      const u1: any = byText.get('How do I feed a sourdough starter?');
      const u1b: any = byText.get('How often should I feed a rye sourdough starter?');
      const a1: any = byText.get('Feed it equal weights of flour and water daily.');
      const a2: any = byText.get('Rye starters like two feedings a day.');
      // The hidden system root and the browsing call are gone; their children hang on the nearest shown ancestor.
      expect(detail.body.messages).toHaveLength(4);
      expect(u1.parentId).toBeNull();
      expect(u1b.parentId).toBeNull();
      expect(a1.parentId).toBe(u1.id);
      expect(a2.parentId).toBe(u1b.id);
      expect(a2.model).toBe('gpt-4o');
      // create_time floats keep their milliseconds.
      expect(u1.createdAt).toBe(new Date(Math.round((1_767_225_600.123456 + 1.25) * 1000)).toISOString());
      expect(detail.body.createdAt).toBe('2026-01-01T00:00:00.123Z');
      expect(detail.body.messages.some((m: any) => m.content.includes('search('))).toBe(false);
    });

    test('round-trips-through-export-and-reimport-without-duplicates', async () => {
      const u = await h.signup();
      const file = JSON.stringify(chatgptFile('ab000000-0000-4000-8000-00000000000a'));
      expect((await importFile(u.cookie, file)).status).toBe(201);
      const typed = await h.json('POST', '/api/conversations', {
        cookie: u.cookie,
        body: { messages: [{ role: 'user', content: 'typed here' }] },
      });
      const settings = { systemPrompt: 'Answer in French.', params: { temperature: 0.3, maxTokens: 300 } };
      expect((await h.json('PATCH', `/api/conversations/${typed.body.id}`, { cookie: u.cookie, body: settings })).status).toBe(200);
      const all = await h.request('GET', '/api/conversations/export', { cookie: u.cookie });
      expect(all.status).toBe(200);
      expect(all.headers.get('content-type')).toStartWith('application/x-ndjson');
      const jsonl = await all.text();
      const lines = jsonl
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(lines).toHaveLength(2);
      expect(lines.every((l) => l.format === 'confab.conversation')).toBe(true);
      const before = { conversations: await countOf(u.id), messages: await messageCountOf(u.id) };

      const again = await importFile(u.cookie, jsonl);
      expect(again.status).toBe(200);
      expect(again.body.imported).toEqual([]);
      expect(again.body.skipped).toHaveLength(2);
      expect((await importFile(u.cookie, file)).body.skipped).toHaveLength(1);
      expect({ conversations: await countOf(u.id), messages: await messageCountOf(u.id) }).toEqual(before);

      // The export carries every branch, so another account gets the same tree back.
      const other = await h.signup();
      const copied = await importFile(other.cookie, jsonl);
      expect(copied.body.imported.map((c: any) => c.messages).sort()).toEqual([1, 4]);
      const imported = lines.find((l) => l.title === 'Sourdough starter');
      const copy = await h.json('GET', `/api/conversations/${copied.body.imported.find((c: any) => c.title === 'Sourdough starter').id}`, {
        cookie: other.cookie,
      });
      const shape = (ms: any[]) => {
        const byId = new Map(ms.map((m) => [m.id, m.content]));
        return ms.map((m) => [m.content, m.parentId ? byId.get(m.parentId) : null]).sort();
      };
      expect(shape(copy.body.messages)).toEqual(shape(imported.messages));
      // Instructions and parameters travel with the conversation.
      const typedLine = lines.find((l) => l.id === typed.body.id);
      expect(typedLine.settings).toEqual(settings);
      const typedCopy = copied.body.imported.find((c: any) => c.messages === 1);
      const detail = await h.json('GET', `/api/conversations/${typedCopy.id}`, { cookie: other.cookie });
      expect(detail.body.settings).toMatchObject(settings);
    });

    test('an-export-with-out-of-range-settings-answers-400-and-imports-nothing', async () => {
      const u = await h.signup();
      const made = await h.json('POST', '/api/conversations', { cookie: u.cookie, body: { messages: [{ role: 'user', content: 'hi' }] } });
      const line = (await h.json('GET', `/api/conversations/${made.body.id}/export`, { cookie: u.cookie })).body;
      const other = await h.signup();
      const bad = { ...line, settings: { systemPrompt: null, params: { temperature: 9 } } };
      const res = await importFile(other.cookie, JSON.stringify(bad));
      expect([res.status, res.body.error.code]).toEqual([400, 'invalid_import']);
      expect(res.body.error.message).toContain('settings.params.temperature');
      expect(await countOf(other.id)).toBe(0);
    });

    test('imports-open-webui-history-with-regenerated-answers', async () => {
      const u = await h.signup();
      const res = await importFile(u.cookie, JSON.stringify(openWebuiFile()));
      expect(res.status).toBe(201);
      const detail = await h.json('GET', `/api/conversations/${res.body.imported[0].id}`, { cookie: u.cookie });
      expect(detail.body).toMatchObject({ title: 'Rust lifetimes', model: 'llama3.1:8b', pinned: true });
      const [q, ...answers] = detail.body.messages;
      expect(q.content).toBe('What is a lifetime?');
      expect(answers.map((a: any) => [a.content, a.parentId])).toEqual([
        ['A scope.', q.id],
        ['A region of code a borrow is valid for.', q.id],
      ]);
      expect((await importFile(u.cookie, JSON.stringify(openWebuiFile()))).body.skipped).toHaveLength(1);
    });

    test('broken-file-answers-400-naming-the-problem-and-leaves-nothing', async () => {
      const u = await h.signup();
      const good = chatgptFile('cd000000-0000-4000-8000-00000000000c')[0];
      const bad = structuredClone(chatgptFile('ef000000-0000-4000-8000-00000000000e')[0]);
      (bad.mapping.a2 as { parent: string }).parent = 'nowhere';
      const res = await importFile(u.cookie, JSON.stringify([good, bad]));
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid_import');
      expect(res.body.error.message).toContain('Conversation 2');
      expect(res.body.error.message).toContain('"nowhere"');
      expect(await countOf(u.id)).toBe(0);

      const badTime = structuredClone(good);
      (badTime.mapping.u1.message as { create_time: unknown }).create_time = 'yesterday';
      const timed = await importFile(u.cookie, JSON.stringify([badTime]));
      expect(timed.status).toBe(400);
      expect(timed.body.error.message).toContain('mapping["u1"].message.create_time');

      for (const text of ['', 'not json at all', '{"hello": "world"}', '[]']) {
        const r = await importFile(u.cookie, text);
        expect(r.status).toBe(400);
        expect(r.body.error.code).toBe('invalid_import');
      }
      expect(await countOf(u.id)).toBe(0);
    });

    test('exports-json-with-every-branch-and-markdown-with-the-shown-one', async () => {
      const u = await h.signup();
      const imported = await importFile(u.cookie, JSON.stringify(chatgptFile('12000000-0000-4000-8000-000000000012')));
      const id = imported.body.imported[0].id;
      const json = await h.json('GET', `/api/conversations/${id}/export`, { cookie: u.cookie });
      expect(json.status).toBe(200);
      expect(json.headers.get('content-disposition')).toBe('attachment; filename="Sourdough-starter.json"');
      expect(json.body).toMatchObject({ format: 'confab.conversation', version: 1, id, title: 'Sourdough starter' });
      expect(json.body.importKey).toBe('chatgpt:12000000-0000-4000-8000-000000000012');
      expect(json.body.messages).toHaveLength(4);

      const md = await h.request('GET', `/api/conversations/${id}/export?format=md`, { cookie: u.cookie });
      expect(md.headers.get('content-type')).toStartWith('text/markdown');
      const text = await md.text();
      expect(text).toStartWith('# Sourdough starter\n');
      expect(text).toContain('## You\n\nHow often should I feed a rye sourdough starter?');
      expect(text).toContain('## Assistant (gpt-4o)\n\nRye starters like two feedings a day.');
      // Only the branch the conversation shows.
      expect(text).not.toContain('How do I feed a sourdough starter?');
    });

    test('a-file-past-the-upload-limit-answers-413-and-imports-nothing', async () => {
      const small = createHarness(await backend.open(), testConfig({ MAX_UPLOAD_MB: '1' }));
      const u = await small.signup();
      const big = chatgptFile('bb000000-0000-4000-8000-00000000000b');
      (big[0].mapping.a2.message as { content: { parts: string[] } }).content.parts = ['x'.repeat(1_200_000)];
      const res = await small.json('POST', '/api/conversations/import', { cookie: u.cookie, raw: form(JSON.stringify(big)) });
      expect(res.status).toBe(413);
      expect(res.body.error.code).toBe('payload_too_large');
      expect(await countOf(u.id)).toBe(0);
      await small.close();
    });

    test('exports-everything-as-a-zip-of-json-and-markdown', async () => {
      const u = await h.signup();
      await importFile(u.cookie, JSON.stringify(chatgptFile('2a000000-0000-4000-8000-00000000002a')));
      const res = await h.request('GET', '/api/conversations/export?format=zip', { cookie: u.cookie });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/zip');
      const files = unzipSync(new Uint8Array(await res.arrayBuffer()));
      const names = Object.keys(files).sort();
      expect(names).toHaveLength(2);
      expect(names[0]).toMatch(/^Sourdough-starter-[0-9a-f]{8}\.json$/);
      expect(names[1]).toMatch(/^Sourdough-starter-[0-9a-f]{8}\.md$/);
      const json = JSON.parse(strFromU8(files[names[0]]));
      expect(json).toMatchObject({ format: 'confab.conversation', title: 'Sourdough starter' });
      expect(json.messages).toHaveLength(4);
      expect(strFromU8(files[names[1]])).toStartWith('# Sourdough starter\n');
      // The JSON inside reads back, and adds nothing where it came from.
      expect((await importFile(u.cookie, strFromU8(files[names[0]]))).body.skipped).toHaveLength(1);
      const empty = await h.signup();
      const none = await h.request('GET', '/api/conversations/export?format=zip', { cookie: empty.cookie });
      expect(Object.keys(unzipSync(new Uint8Array(await none.arrayBuffer())))).toEqual([]);
    });

    test('another-users-conversation-cannot-be-exported', async () => {
      const owner = await h.signup();
      const other = await h.signup();
      const c = await h.json('POST', '/api/conversations', { cookie: owner.cookie, body: { title: 'Private plans' } });
      const res = await h.json('GET', `/api/conversations/${c.body.id}/export`, { cookie: other.cookie });
      expect(res.status).toBe(404);
      const all = await (await h.request('GET', '/api/conversations/export', { cookie: other.cookie })).text();
      expect(all).toBe('');
      expect((await h.request('GET', '/api/conversations/export')).status).toBe(401);
      expect((await h.request('POST', '/api/conversations/import', { raw: form('[]') })).status).toBe(401);
    });
  });
}
