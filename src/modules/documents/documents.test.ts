import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { eq } from 'drizzle-orm';
import { Elysia } from 'elysia';
import type { Database } from '../../db/client';
import { chunks } from '../../db/schema';
import { createOfflineEmbedder } from '../../rag/embedders/offline';
import { retrieve } from '../../rag/retrieve';
import { createHarness, type Harness, testConfig } from '../../testing/app-harness';
import { testDatabases } from '../../testing/databases';
import { waitForDocument } from '../../testing/documents';
import { makePdf } from '../../testing/make-pdf';
import { errorHandler } from '../error-handler';
import { documentsModule } from '.';

for (const target of testDatabases()) {
  describe(`documents API on ${target.name}`, () => {
    let database: Database;
    let harness: Harness;
    let app: { handle(r: Request): Promise<Response> };
    const config = testConfig({ MAX_UPLOAD_MB: '1' });
    let alice: { cookie: string; id: string };
    let bob: { cookie: string; id: string };

    const call = (method: string, path: string, cookie: string, body?: BodyInit) =>
      app.handle(new Request(`http://localhost${path}`, { method, headers: { cookie }, body }));

    function form(name: string, content: BlobPart, displayName?: string) {
      const f = new FormData();
      f.append('file', new File([content], name));
      if (displayName) f.append('name', displayName);
      return f;
    }
    const upload = async (who: { cookie: string }, name: string, content: BlobPart, displayName?: string) => {
      const res = await call('POST', '/api/documents', who.cookie, form(name, content, displayName));
      return { status: res.status, body: (await res.json()) as any };
    };

    beforeAll(async () => {
      database = await target.open();
      harness = createHarness(database, config);
      app = new Elysia().use(errorHandler).use(documentsModule(harness.ctx));
      alice = await harness.signup();
      bob = await harness.signup();
    }, 60_000);
    afterAll(async () => {
      await harness.close();
      await target.cleanup();
    });

    test('upload-each-type-then-it-becomes-ready-and-retrievable', async () => {
      const files: [string, BlobPart][] = [
        ['a.txt', 'Otters hold hands while sleeping so they do not drift apart.'],
        ['b.md', '# Owls\n\nOwls can rotate their heads about 270 degrees.'],
        ['c.html', '<html><body><h1>Bats</h1><p>Bats navigate by echolocation.</p></body></html>'],
        ['d.pdf', makePdf([['Penguins huddle together to survive the Antarctic winter.']])],
        ['e.json', JSON.stringify({ animal: 'octopus', hearts: 3 })],
        ['f.csv', 'animal,legs\nspider,8\nant,6\n'],
        ['g.py', 'def squid():\n    return "ink"\n'],
      ];
      for (const [name, content] of files) {
        const { status, body } = await upload(alice, name, content);
        expect(status).toBe(201);
        expect(body.status).toBe('queued');
        const done = await waitForDocument(database, body.id);
        expect([name, done.status, done.error]).toEqual([name, 'ready', null]);
        const view = await call('GET', `/api/documents/${body.id}`, alice.cookie);
        expect(await view.json()).toMatchObject({ id: body.id, name, status: 'ready', progress: 1, chunkCount: 1 });
      }
      const [hit] = await retrieve(database, createOfflineEmbedder(), alice.id, 'penguins antarctic winter');
      expect(hit.documentName).toBe('d.pdf');
      expect(hit.page).toBe(1);
      const list = (await (await call('GET', '/api/documents', alice.cookie)).json()) as { items: { name: string }[] };
      expect(list.items.map((d) => d.name)).toEqual(['g.py', 'f.csv', 'e.json', 'd.pdf', 'c.html', 'b.md', 'a.txt']);
    });

    test('unsupported-content-is-refused-with-415-whatever-its-name', async () => {
      const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]);
      const { status, body } = await upload(alice, 'innocent.txt', png);
      expect(status).toBe(415);
      expect(body.error.code).toBe('unsupported_media_type');
      expect((await upload(alice, 'x.md', new Uint8Array([0, 1, 2, 3, 0, 0, 7]))).status).toBe(415);
    });

    test('an-upload-past-the-size-limit-is-refused-with-413', async () => {
      const { status, body } = await upload(alice, 'big.txt', 'a'.repeat(1024 * 1024 + 10));
      expect(status).toBe(413);
      expect(body.error.code).toBe('payload_too_large');
    });

    test('a-hostile-filename-never-escapes-the-uploads-folder', async () => {
      const { status, body } = await upload(alice, '../../../../etc/passwd', 'root:x:0:0 is not a real line here');
      expect(status).toBe(201);
      expect(body.name).toBe('passwd');
      const userDir = resolve(config.dataDir, 'uploads', alice.id);
      expect(readdirSync(userDir)).toContain(body.id);
      const named = await upload(alice, 'ok.txt', 'Another harmless note.', '..\\..\\evil\u0000.txt');
      expect(named.body.name).toBe('evil.txt');
      expect(existsSync(resolve(config.dataDir, '..', 'evil.txt'))).toBe(false);
      expect(readdirSync(userDir).every((f) => /^[0-9a-f-]{36}$/.test(f))).toBe(true);
    });

    test('the-same-upload-twice-returns-the-existing-document', async () => {
      const first = await upload(alice, 'twice.md', '# Twice\n\nThe same bytes, uploaded twice.');
      await waitForDocument(database, first.body.id);
      const second = await upload(alice, 'renamed.md', '# Twice\n\nThe same bytes, uploaded twice.');
      expect(second.status).toBe(200);
      expect(second.body.id).toBe(first.body.id);
      const rows = await database.db.select().from(chunks).where(eq(chunks.documentId, first.body.id));
      expect(rows).toHaveLength(1);
    });

    test('identical-uploads-at-the-same-instant-make-one-document', async () => {
      const content = `# Racing\n\nFour uploads of these bytes arrive together ${crypto.randomUUID()}.`;
      const results = await Promise.all(Array.from({ length: 4 }, (_, i) => upload(alice, `race-${i}.md`, content)));
      const ids = new Set(results.map((r) => r.body.id));
      expect(ids.size).toBe(1);
      expect(results.map((r) => r.status).sort()).toEqual([200, 200, 200, 201]);
      const [id] = ids;
      const list = (await (await call('GET', '/api/documents', alice.cookie)).json()) as { items: { id: string; name: string }[] };
      expect(list.items.filter((d) => d.name.startsWith('race-'))).toHaveLength(1);
      const stored = readdirSync(resolve(config.dataDir, 'uploads', alice.id));
      const known = new Set(list.items.map((d) => d.id));
      expect(stored.filter((f) => !known.has(f))).toEqual([]);
      await waitForDocument(database, id);
    });

    test('other-users-documents-answer-404-and-are-not-listed', async () => {
      const { body } = await upload(alice, 'private.txt', 'Alice keeps this to herself.');
      expect((await call('GET', `/api/documents/${body.id}`, bob.cookie)).status).toBe(404);
      expect((await call('DELETE', `/api/documents/${body.id}`, bob.cookie)).status).toBe(404);
      const list = (await (await call('GET', '/api/documents', bob.cookie)).json()) as { items: unknown[] };
      expect(list.items).toEqual([]);
      expect((await call('GET', `/api/documents/${body.id}`, '')).status).toBe(401);
      expect((await call('GET', '/api/documents/not-a-uuid', alice.cookie)).status).toBe(400);
    });

    test('delete-removes-the-document-its-chunks-and-its-file', async () => {
      const { body } = await upload(alice, 'doomed.txt', 'This document will be deleted soon.');
      await waitForDocument(database, body.id);
      const file = join(config.dataDir, 'uploads', alice.id, body.id);
      expect(existsSync(file)).toBe(true);
      expect((await call('DELETE', `/api/documents/${body.id}`, alice.cookie)).status).toBe(204);
      expect((await call('GET', `/api/documents/${body.id}`, alice.cookie)).status).toBe(404);
      expect(await database.db.select().from(chunks).where(eq(chunks.documentId, body.id))).toHaveLength(0);
      expect(existsSync(file)).toBe(false);
    });
  });
}
