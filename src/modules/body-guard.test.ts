import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import { createHarness, type Harness } from '../testing/app-harness';
import { testDatabases } from '../testing/databases';
import { JSON_DEPTH_LIMIT } from './body-guard';

/** `{"message": …}` with objects and arrays nested `depth` deep in all, the outer object counted. */
const nested = (depth: number) => `{"message":${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}}`;

for (const backend of testDatabases()) {
  describe(`request guard on ${backend.name}`, () => {
    let h: Harness;
    let user: { cookie: string; id: string };
    let conversationId: string;
    const conversations = async () => (await h.json('GET', '/api/conversations', { cookie: user.cookie })).body.items as unknown[];

    beforeAll(async () => {
      h = createHarness(await backend.open());
      user = await h.signup();
      conversationId = (await h.json('POST', '/api/conversations', { cookie: user.cookie, body: { title: 'kept' } })).body.id;
    });
    afterAll(async () => {
      await h.close();
      await backend.cleanup();
    });

    test('nul-in-the-query-or-path-answers-400-invalid-text', async () => {
      const attempts = [
        await h.json('GET', '/api/conversations?q=a%00b', { cookie: user.cookie }),
        await h.json('GET', '/api/conversations?cursor=%00', { cookie: user.cookie }),
        await h.json('GET', `/api/conversations/${conversationId}%00`, { cookie: user.cookie }),
        await h.json('POST', '/api/conversations?title=%00', { cookie: user.cookie, body: { title: 'not made' } }),
        await h.json('GET', '/api/models?x=%00'),
      ];
      expect(attempts.map((a) => [a.status, a.body?.error?.code])).toEqual(Array(attempts.length).fill([400, 'invalid_text']));
      expect(await conversations()).toHaveLength(1);
    });

    test('broken-unicode-in-a-body-answers-400-and-usage-keeps-being-recorded', async () => {
      // An unpaired surrogate (`\ud800`) has no UTF-8 form: stored in a request id, it made every
      // usage batch carrying it fail and retry forever, so no usage was recorded after it.
      const writer = await h.signup();
      const broken = [
        '{"message":"hi","requestId":"\\ud800"}',
        '{"message":"broken \\udfff text"}',
        '{"message":"hi","plugins":["\\ud800"]}',
        '{"\\ud800":"key"}',
      ];
      for (const raw of broken) {
        const res = await h.json('POST', '/api/chat', { cookie: writer.cookie, raw, headers: { 'content-type': 'application/json' } });
        expect([raw, res.status, res.body?.error?.code]).toEqual([raw, 400, 'invalid_text']);
      }
      const turn = await h.json('POST', '/api/chat', { cookie: writer.cookie, body: { message: 'a paired 😀 emoji is fine' } });
      expect(turn.status).toBe(200);
      let rows: unknown[] = [];
      for (let i = 0; i < 100 && rows.length === 0; i++) {
        rows = await h.ctx.database.rows(sql`select 1 from usage_logs where user_id = ${writer.id}`);
        if (rows.length === 0) await Bun.sleep(20);
      }
      expect(rows).toHaveLength(1);
    });

    test('json-nested-deeper-than-the-limit-answers-400-before-validation', async () => {
      const deep = nested(5_000);
      const routes: [string, string, string?][] = [
        ['POST', '/api/chat', user.cookie],
        ['POST', '/api/auth/signup'],
        ['POST', '/api/auth/login'],
        ['POST', '/api/keys', user.cookie],
        ['POST', '/api/conversations', user.cookie],
        ['PATCH', `/api/conversations/${conversationId}`, user.cookie],
        ['POST', '/api/benchmark', user.cookie],
        ['POST', '/v1/chat/completions', user.cookie],
      ];
      for (const [method, path, cookie] of routes) {
        const res = await h.json(method, path, { cookie, raw: deep, headers: { 'content-type': 'application/json' } });
        expect([method, path, res.status, res.body?.error?.code]).toEqual([method, path, 400, 'body_too_deep']);
      }
      const atLimit = await h.json('POST', '/api/chat', {
        cookie: user.cookie,
        raw: nested(JSON_DEPTH_LIMIT),
        headers: { 'content-type': 'application/json' },
      });
      expect([atLimit.status, atLimit.body?.error?.code]).toEqual([400, 'validation_error']);
      const pastLimit = await h.json('POST', '/api/chat', {
        cookie: user.cookie,
        raw: nested(JSON_DEPTH_LIMIT + 1),
        headers: { 'content-type': 'application/json' },
      });
      expect([pastLimit.status, pastLimit.body?.error?.code]).toEqual([400, 'body_too_deep']);
      // Brackets inside strings are text, not nesting.
      const brackets = await h.json('POST', '/api/conversations', { cookie: user.cookie, body: { title: `"[{\\${'['.repeat(100)}` } });
      expect(brackets.status).toBe(201);
      expect((await h.request('DELETE', `/api/conversations/${brackets.body.id}`, { cookie: user.cookie })).status).toBe(204);
      expect(await conversations()).toHaveLength(1);
      expect((await h.json('GET', `/api/conversations/${conversationId}`, { cookie: user.cookie })).body.title).toBe('kept');
    });

    test('json-routes-refuse-other-content-types-with-415', async () => {
      const form = new FormData();
      form.set('message', 'from a form');
      const attempts = [
        await h.json('POST', '/api/chat', {
          cookie: user.cookie,
          raw: 'message=from+a+form',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        }),
        await h.json('POST', '/api/conversations', {
          cookie: user.cookie,
          raw: '{"title":"plain"}',
          headers: { 'content-type': 'text/plain' },
        }),
        await h.json('POST', '/api/conversations', { cookie: user.cookie, raw: form }),
        await h.json('POST', '/api/conversations', { cookie: user.cookie, raw: new Blob(['{"title":"untyped"}']) }),
        await h.json('PATCH', `/api/conversations/${conversationId}`, {
          cookie: user.cookie,
          raw: 'title=renamed',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        }),
        await h.json('POST', '/api/auth/logout', { cookie: user.cookie, raw: 'x=1', headers: { 'content-type': 'text/plain' } }),
        await h.json('POST', '/api/documents', { cookie: user.cookie, body: { file: 'notes.txt' } }),
      ];
      expect(attempts.map((a) => [a.status, a.body?.error?.code])).toEqual(Array(attempts.length).fill([415, 'unsupported_media_type']));
      expect(await conversations()).toHaveLength(1);
      expect((await h.json('GET', `/api/conversations/${conversationId}`, { cookie: user.cookie })).body.title).toBe('kept');
      expect((await h.json('GET', '/api/auth/me', { cookie: user.cookie })).status).toBe(200);

      const upload = new FormData();
      upload.set('file', new File(['Multipart uploads still work.'], 'notes.txt'));
      const uploaded = await h.json('POST', '/api/documents', { cookie: user.cookie, raw: upload });
      expect(uploaded.status).toBe(201);
      const typed = await h.json('POST', '/api/conversations', {
        cookie: user.cookie,
        raw: '{"title":"typed"}',
        headers: { 'content-type': 'Application/JSON; charset=utf-8' },
      });
      expect(typed.status).toBe(201);
    });
  });
}
