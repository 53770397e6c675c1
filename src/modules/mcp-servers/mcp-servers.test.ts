import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { auditLog, mcpServers } from '../../db/schema';
import { createHarness, type Harness, testConfig } from '../../testing/app-harness';
import { testDatabases } from '../../testing/databases';
import { specOf } from './service';

const randomKey = () => Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64');
/** Nothing listens on the discard port, so nothing is reached. */
const server = (name = 'vault') => ({
  name,
  url: 'http://127.0.0.1:9/mcp',
  headers: { 'X-Api-Key': 'hdr-Zx81kQv7Lm3Np0Rt5Yw2' },
  token: 'tok-Zx81kQv7Lm3Np0Rt5Yw2',
});

for (const target of testDatabases()) {
  describe(`the MCP server registry on ${target.name}`, () => {
    let database: Database;
    let h: Harness;
    let admin: { cookie: string };
    const keyA = randomKey();

    beforeAll(async () => {
      database = await target.open();
      h = createHarness(database, testConfig({ SECRET_KEY: keyA }));
      admin = await h.signup();
    }, 60_000);
    afterAll(async () => {
      await h.close();
      await target.cleanup();
    });

    const audits = (id: string) =>
      database.db
        .select()
        .from(auditLog)
        .where(eq(auditLog.target, `mcp-server:${id}`));

    test('a-patch-replaces-or-removes-credentials-and-the-audit-says-which-without-values', async () => {
      const created = await h.json('POST', '/api/admin/mcp-servers', { cookie: admin.cookie, body: server('patched') });
      expect(created.status).toBe(201);
      const id = created.body.id;
      const patched = await h.json('PATCH', `/api/admin/mcp-servers/${id}`, {
        cookie: admin.cookie,
        body: { token: 'tok-new-0000000000009999', headers: null, enabled: false, allowedTools: ['echo'] },
      });
      expect(patched.body).toMatchObject({ tokenMasked: 'tok…9999', headerNames: [], enabled: false, allowedTools: ['echo'] });
      const [row] = await database.db.select().from(mcpServers).where(eq(mcpServers.id, id));
      expect(row.headersSealed).toBeNull();
      expect((await specOf(h.ctx.secrets, row)).headers).toEqual({ Authorization: 'Bearer tok-new-0000000000009999' });
      const [, update] = await audits(id);
      expect(update.details).toMatchObject({
        changes: { token: 'replaced', headers: 'removed', enabled: { from: true, to: false }, allowedTools: { from: null, to: ['echo'] } },
      });
      expect(JSON.stringify(await audits(id))).not.toContain('Zx81kQv7');
      expect(JSON.stringify(await audits(id))).not.toContain('0000000000009999');
    });

    test('an-unknown-id-is-404-and-an-unknown-field-400-changing-nothing', async () => {
      const missing = await h.json('PATCH', `/api/admin/mcp-servers/${crypto.randomUUID()}`, {
        cookie: admin.cookie,
        body: { enabled: false },
      });
      expect(missing.status).toBe(404);
      const before = await database.db.select().from(mcpServers);
      const bad = await h.json('POST', '/api/admin/mcp-servers', {
        cookie: admin.cookie,
        body: { ...server('other'), colour: 'red' },
      });
      expect(bad.status).toBe(400);
      const badHeader = await h.json('POST', '/api/admin/mcp-servers', {
        cookie: admin.cookie,
        body: { ...server('other'), headers: { 'X-Split': 'a\r\nInjected: yes' } },
      });
      expect(badHeader.status).toBe(400);
      expect(await database.db.select().from(mcpServers)).toEqual(before);
    });

    test('an-unreachable-server-tests-as-not-ok-with-the-reason', async () => {
      const created = await h.json('POST', '/api/admin/mcp-servers', { cookie: admin.cookie, body: server('down') });
      const res = await h.json('POST', `/api/admin/mcp-servers/${created.body.id}/test`, { cookie: admin.cookie });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ ok: false, tools: [], error: { code: 'mcp_unreachable' } });
      expect(JSON.stringify(res.body)).not.toContain('Zx81kQv7');
    });

    test('credentials-sealed-under-a-previous-key-are-sealed-again-at-start-up', async () => {
      const created = await h.json('POST', '/api/admin/mcp-servers', { cookie: admin.cookie, body: server('rotated') });
      const id = created.body.id;
      const [before] = await database.db.select().from(mcpServers).where(eq(mcpServers.id, id));
      const rotated = createHarness(database, testConfig({ SECRET_KEY: randomKey(), SECRET_KEY_PREVIOUS: keyA }));
      try {
        await rotated.json('GET', '/health');
        const [after] = await database.db.select().from(mcpServers).where(eq(mcpServers.id, id));
        expect(after.tokenSealed).not.toBe(before.tokenSealed);
        expect(after.headersSealed).not.toBe(before.headersSealed);
        expect(rotated.ctx.secrets.isStale(after.tokenSealed!)).toBe(false);
        expect((await specOf(rotated.ctx.secrets, after)).headers).toEqual({
          'X-Api-Key': 'hdr-Zx81kQv7Lm3Np0Rt5Yw2',
          Authorization: 'Bearer tok-Zx81kQv7Lm3Np0Rt5Yw2',
        });
      } finally {
        await rotated.close();
      }
    });
  });
}
