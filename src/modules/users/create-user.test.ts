import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { documents, passwordLinks, usageLogs, users } from '../../db/schema';
import { chunkText } from '../../rag/chunk';
import { replaceDocumentChunks } from '../../rag/chunk-store';
import { createHarness, type Harness } from '../../testing/app-harness';
import { testDatabases } from '../../testing/databases';

type User = Awaited<ReturnType<Harness['signup']>>;

const tokenOf = (url: string) => new URL(url).hash.replace('#token=', '');

for (const backend of testDatabases()) {
  describe(`admin-made accounts and password links on ${backend.name}`, () => {
    let h: Harness;
    let admin: User;
    let ann: User;
    beforeAll(async () => {
      h = createHarness(await backend.open());
      admin = await h.signup('root@example.com');
      ann = await h.signup();
    });
    afterAll(() => backend.cleanup());
    const create = (body: unknown, who = admin) => h.json('POST', '/api/admin/users', { cookie: who.cookie, body });
    const login = (email: string, password: string) => h.json('POST', '/api/auth/login', { body: { email, password } });
    const setPassword = (token: string, password: string) => h.json('POST', '/api/auth/set-password', { body: { token, password } });
    const cookieOf = (res: { headers: Headers }) => (res.headers.get('set-cookie') ?? '').split(';')[0];

    test('answers-401-anonymous-and-403-to-a-non-admin-and-creates-nothing', async () => {
      expect((await h.json('POST', '/api/admin/users', { body: { email: 'x@example.com' } })).status).toBe(401);
      const refused = await create({ email: 'x@example.com' }, ann);
      expect([refused.status, refused.body.error.code]).toEqual([403, 'forbidden']);
      const link = await h.json('POST', `/api/admin/users/${ann.id}/password-link`, { cookie: ann.cookie });
      expect([link.status, link.body.error.code]).toEqual([403, 'forbidden']);
      expect(await h.ctx.database.db.select().from(users).where(eq(users.email, 'x@example.com'))).toEqual([]);
      expect(await h.ctx.database.db.select().from(passwordLinks)).toEqual([]);
    });

    test('an-account-made-with-a-password-can-log-in-at-once', async () => {
      const res = await create({ email: 'Bea@Example.com', role: 'admin', password: 'bea passphrase' });
      expect(res.status).toBe(201);
      expect(res.body.passwordLink).toBeNull();
      expect(res.body.user).toMatchObject({ email: 'bea@example.com', role: 'admin', status: 'active', groups: [] });
      expect((await login('bea@example.com', 'bea passphrase')).status).toBe(200);
      const [entry] = (await h.json('GET', '/api/admin/audit?action=user.create', { cookie: admin.cookie })).body.entries;
      expect(entry).toMatchObject({ actorId: admin.id, target: `user:${res.body.user.id}`, details: { passwordSet: true, role: 'admin' } });
      expect(JSON.stringify(entry)).not.toContain('bea passphrase');
    });

    test('an-account-made-without-a-password-gets-a-link-that-works-once', async () => {
      const res = await create({ email: 'cal@example.com' });
      expect(res.status).toBe(201);
      expect(res.body.user.role).toBe('user');
      const { url, expiresAt } = res.body.passwordLink;
      expect(url).toStartWith('http://localhost/set-password#token=');
      expect(Date.parse(expiresAt) - Date.now()).toBeGreaterThan(23 * 3600_000);
      // Nobody knows the password it was made with, so it cannot log in before the link is used.
      expect((await login('cal@example.com', 'correct horse battery')).status).toBe(401);
      const used = await setPassword(tokenOf(url), 'cal chose this');
      expect(used.status).toBe(200);
      expect(used.body.email).toBe('cal@example.com');
      expect((await h.json('GET', '/api/auth/me', { cookie: cookieOf(used) })).body.email).toBe('cal@example.com');
      expect((await login('cal@example.com', 'cal chose this')).status).toBe(200);
      const again = await setPassword(tokenOf(url), 'someone else');
      expect([again.status, again.body.error.code]).toEqual([400, 'invalid_link']);
      expect((await login('cal@example.com', 'cal chose this')).status).toBe(200);
    });

    test('only-the-hash-of-a-link-token-is-stored', async () => {
      const res = await create({ email: 'dot@example.com' });
      const token = tokenOf(res.body.passwordLink.url);
      const rows = await h.ctx.database.db.select().from(passwordLinks).where(eq(passwordLinks.userId, res.body.user.id));
      expect(rows).toHaveLength(1);
      expect(JSON.stringify(rows)).not.toContain(token);
      const audit = (await h.json('GET', '/api/admin/audit?action=user.password_link', { cookie: admin.cookie })).body;
      expect(JSON.stringify(audit)).not.toContain(token);
    });

    test('an-expired-link-is-refused-and-changes-nothing', async () => {
      const res = await create({ email: 'eve@example.com', password: 'eve passphrase' });
      const link = await h.json('POST', `/api/admin/users/${res.body.user.id}/password-link`, { cookie: admin.cookie });
      expect(link.status).toBe(201);
      await h.ctx.database.db
        .update(passwordLinks)
        .set({ expiresAt: new Date(Date.now() - 1000) })
        .where(eq(passwordLinks.userId, res.body.user.id));
      const refused = await setPassword(tokenOf(link.body.url), 'too late now');
      expect([refused.status, refused.body.error.code]).toEqual([400, 'invalid_link']);
      expect((await login('eve@example.com', 'eve passphrase')).status).toBe(200);
    });

    test('a-reset-link-replaces-earlier-ones-and-ends-every-session', async () => {
      const fay = await h.signup('fay@example.com', 'fay passphrase');
      const first = await h.json('POST', `/api/admin/users/${fay.id}/password-link`, { cookie: admin.cookie });
      const second = await h.json('POST', `/api/admin/users/${fay.id}/password-link`, { cookie: admin.cookie });
      expect([first.status, second.status]).toEqual([201, 201]);
      const stale = await setPassword(tokenOf(first.body.url), 'from the old link');
      expect([stale.status, stale.body.error.code]).toEqual([400, 'invalid_link']);
      expect((await h.json('GET', '/api/auth/me', { cookie: fay.cookie })).status).toBe(200);
      const used = await setPassword(tokenOf(second.body.url), 'fay reset this');
      expect(used.status).toBe(200);
      expect((await h.json('GET', '/api/auth/me', { cookie: fay.cookie })).status).toBe(401);
      expect((await login('fay@example.com', 'fay passphrase')).status).toBe(401);
      expect((await login('fay@example.com', 'fay reset this')).status).toBe(200);
    });

    test('a-disabled-account-cannot-use-a-link', async () => {
      const gil = await h.signup('gil@example.com', 'gil passphrase');
      const link = await h.json('POST', `/api/admin/users/${gil.id}/password-link`, { cookie: admin.cookie });
      await h.json('PATCH', `/api/admin/users/${gil.id}`, { cookie: admin.cookie, body: { status: 'disabled' } });
      const refused = await setPassword(tokenOf(link.body.url), 'back door attempt');
      expect([refused.status, refused.body.error.code]).toEqual([400, 'invalid_link']);
      expect(refused.headers.get('set-cookie')).toBeNull();
    });

    test('bad-input-answers-a-clear-4xx-and-creates-nothing', async () => {
      const before = (await h.ctx.database.db.select({ id: users.id }).from(users)).length;
      const cases: [unknown, number, string][] = [
        [{ email: ann.email }, 409, 'email_taken'],
        [{ email: 'not an email' }, 400, 'validation_error'],
        [{ email: 'h@example.com', role: 'owner' }, 400, 'validation_error'],
        [{ email: 'h@example.com', password: 'short' }, 400, 'validation_error'],
        [{ email: 'h@example.com', status: 'active' }, 400, 'validation_error'],
        [{}, 400, 'validation_error'],
      ];
      for (const [body, status, code] of cases) {
        const res = await create(body);
        expect([res.status, res.body.error?.code], JSON.stringify(body)).toEqual([status, code]);
      }
      expect((await h.ctx.database.db.select({ id: users.id }).from(users)).length).toBe(before);
      for (const body of [{ token: 'nonsense', password: 'long enough' }, { token: '', password: 'long enough' }, { token: 'x' }]) {
        const res = await setPassword((body as { token: string }).token, (body as { password: string }).password);
        expect(res.status, JSON.stringify(body)).toBe(400);
      }
      const missing = await h.json('POST', `/api/admin/users/${crypto.randomUUID()}/password-link`, { cookie: admin.cookie });
      expect([missing.status, missing.body.error.code]).toEqual([404, 'not_found']);
    });

    test('the-user-list-shows-each-users-usage-this-month', async () => {
      const hal = await h.signup();
      const row = (tokens: number, cost: number, createdAt: Date) => ({
        requestId: crypto.randomUUID(),
        userId: hal.id,
        model: 'offline',
        provider: 'offline',
        promptTokens: tokens,
        completionTokens: tokens,
        latencyMs: 5,
        costUsd: cost,
        createdAt,
      });
      const lastMonth = new Date();
      lastMonth.setUTCDate(0);
      await h.ctx.database.db.insert(usageLogs).values([row(10, 0.25, new Date()), row(5, 0.5, new Date()), row(1000, 9, lastMonth)]);
      const [listed] = (await h.json('GET', `/api/admin/users?q=${encodeURIComponent(hal.email)}`, { cookie: admin.cookie })).body.users;
      expect(listed.usageThisMonth).toEqual({ requests: 2, tokens: 30, costUsd: 0.75 });
    });

    test('deleting-a-user-removes-their-uploaded-files', async () => {
      const ivy = await h.signup();
      const form = new FormData();
      form.append('file', new File(['ivy notes about the garden'], 'ivy.txt', { type: 'text/plain' }));
      const uploaded = await h.request('POST', '/api/documents', { cookie: ivy.cookie, raw: form });
      expect(uploaded.status).toBe(201);
      const dir = join(h.ctx.config.dataDir, 'uploads', ivy.id);
      expect(existsSync(dir)).toBe(true);
      expect((await h.json('DELETE', `/api/admin/users/${ivy.id}`, { cookie: admin.cookie })).status).toBe(204);
      expect(existsSync(dir)).toBe(false);
      expect(existsSync(join(h.ctx.config.dataDir, 'uploads', admin.id))).toBe(false);
    });

    // On PostgreSQL only: the embedded database runs one statement at a time, so it cannot deadlock.
    if (backend.name === 'postgres')
      test('deleting-a-user-while-their-document-is-being-stored-neither-deadlocks-nor-fails', async () => {
        const jo = await h.signup();
        const db = h.ctx.database.db;
        const [doc] = await db
          .insert(documents)
          .values({
            userId: jo.id,
            name: 'jo.md',
            mimeType: 'text/markdown',
            sizeBytes: 9,
            sha256: crypto.randomUUID(),
            storagePath: `x/${crypto.randomUUID()}`,
            status: 'processing',
          })
          .returning();
        const chunked = chunkText(
          { text: 'Jo keeps bees behind the shed.', kind: 'markdown' },
          { maxTokens: 40, overlapTokens: 0, minTokens: 1 },
        );
        const embedded = { model: h.ctx.embedder.model, chunks: chunked, vectors: await h.ctx.embedder.embed(chunked.map((c) => c.text)) };
        // A third transaction holds the chunks table, so storing the document stops half-way: after
        // it has what it locks first, before the rows whose foreign keys lock the user.
        let release!: () => void;
        const released = new Promise<void>((r) => (release = r));
        let locked!: () => void;
        const holding = new Promise<void>((r) => (locked = r));
        const holder = db.transaction(async (tx) => {
          await tx.execute(sql`lock table chunks in share mode`);
          locked();
          await released;
        });
        await holding;
        // Each step starts once the one before is waiting for a lock, however slow the machine.
        const waiting = async (n: number) => {
          for (let i = 0; i < 500; i++) {
            const [row] = await h.ctx.database.rows<{ n: number }>(
              sql`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
            );
            if (row!.n >= n) return;
            await Bun.sleep(10);
          }
          throw new Error(`fewer than ${n} transactions ever waited for a lock`);
        };
        const storing = replaceDocumentChunks(h.ctx.database, { id: doc.id, userId: jo.id }, embedded);
        await waiting(1);
        const deleting = h.json('DELETE', `/api/admin/users/${jo.id}`, { cookie: admin.cookie });
        await waiting(2);
        release();
        await holder;
        const [stored, deleted] = await Promise.all([storing.then(String, (e) => `error: ${e.cause?.code ?? e.message}`), deleting]);
        expect(deleted.status).toBe(204);
        expect(stored).toBe('true');
        expect(await db.select().from(documents).where(eq(documents.userId, jo.id))).toEqual([]);
      });
  });
}
