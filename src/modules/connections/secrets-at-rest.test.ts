import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { type Database, openPglite } from '../../db/client';
import { connections } from '../../db/schema';
import { createHarness, type Harness, testConfig } from '../../testing/app-harness';
import { testDatabases } from '../../testing/databases';
import { type FakeUpstream, openaiErrorReply, startFakeUpstream } from '../../testing/fake-upstream';

const KEY = 'sk-proj-Zx81kQv7Lm3Np0Rt5Yw2';

let upstream: FakeUpstream;
beforeAll(async () => {
  upstream = await startFakeUpstream({ apiKey: KEY, models: ['gpt-4o-mini'] });
});
afterAll(() => upstream.stop());

const randomKey = () => Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64');
const connection = () => ({ kind: 'openai', name: 'vault', baseUrl: `${upstream.url}/v1`, apiKey: KEY });

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));
}

/** Every row of every table, as text. */
async function dumpTables(database: Database): Promise<string> {
  const tables = await database.rows<{ name: string }>(
    sql`select table_name as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`,
  );
  const dump: Record<string, unknown[]> = {};
  for (const { name } of tables) dump[name] = await database.rows(sql.raw(`select * from "${name}"`));
  return JSON.stringify(dump);
}

/** Lines the logger writes while `run` runs (it writes to stdout and stderr). */
async function captureLog(run: () => Promise<void>): Promise<string[]> {
  const lines: string[] = [];
  const out = process.stdout.write;
  const err = process.stderr.write;
  const capture = (chunk: string | Uint8Array) => {
    lines.push(typeof chunk === 'string' ? chunk : new TextDecoder().decode(chunk));
    return true;
  };
  process.stdout.write = capture as typeof process.stdout.write;
  process.stderr.write = capture as typeof process.stderr.write;
  try {
    await run();
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
  return lines;
}

describe('a connection key at rest', () => {
  test('appears-in-no-response-no-log-line-and-nowhere-in-the-database-or-the-data-directory', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'confab-at-rest-'));
    const database = openPglite(join(dataDir, 'pglite'));
    await database.migrate();
    const responses: string[] = [];
    let h: Harness | undefined;
    const lines = await captureLog(async () => {
      h = createHarness(database, testConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'debug' }));
      const call = async (method: string, path: string, opts: Parameters<Harness['request']>[2] = {}) => {
        const res = await h!.request(method, path, opts);
        const text = await res.text();
        responses.push(`${res.status} ${JSON.stringify([...res.headers])} ${text}`);
        return res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text;
      };
      const admin = await h.signup('keeper@example.com');
      const cookie = admin.cookie;
      const created = await call('POST', '/api/admin/connections', { cookie, body: connection() });
      await call('PATCH', `/api/admin/connections/${created.id}`, { cookie, body: { baseUrl: `${upstream.url}/v1/` } });
      await call('GET', '/api/admin/connections', { cookie });
      await call('POST', `/api/admin/connections/${created.id}/test`, { cookie });
      await call('GET', '/api/models', { cookie });
      await call('GET', '/api/admin/models', { cookie });
      await call('POST', '/api/chat', { cookie, body: { model: 'vault/gpt-4o-mini', message: 'Hello' } });
      // An upstream that quotes the key back in its error: the router logs its words.
      upstream.script('/v1/chat/completions', openaiErrorReply(401, `Incorrect API key provided: ${KEY}`));
      await call('POST', '/api/chat', { cookie, body: { model: 'vault/gpt-4o-mini', message: 'Again' } });
      const apiKey = (await call('POST', '/api/keys', { cookie, body: { name: 'sdk' } })).key;
      await call('POST', '/v1/chat/completions', {
        bearer: apiKey,
        body: { model: 'vault/gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }], stream: true },
      });
      await call('GET', '/api/admin/audit', { cookie });
      await h.close();
    });
    const log = lines.join('');
    expect(log).toContain('model call failed');
    expect(log).toContain('[redacted]');
    expect(log).not.toContain(KEY);
    expect(responses.length).toBeGreaterThan(10);
    for (const r of responses) expect(r).not.toContain(KEY);

    const dump = await dumpTables(database);
    expect(dump).toContain('keeper@example.com');
    expect(dump).not.toContain(KEY);
    const [row] = await database.db.select().from(connections);
    expect(row.apiKeySealed).toStartWith('v1.');
    await database.close();

    const files = filesUnder(dataDir);
    expect(statSync(join(dataDir, 'secret.key')).mode & 0o777).toBe(0o600);
    const holding = (needle: string) => files.filter((f) => readFileSync(f).includes(Buffer.from(needle)));
    // The search finds what is stored in clear, so finding no key means there is none.
    expect(holding('keeper@example.com').length).toBeGreaterThan(0);
    expect(holding(KEY)).toEqual([]);
  });
});

for (const tdb of testDatabases()) {
  describe(`the secret key on ${tdb.name}`, () => {
    let database: Database;
    beforeAll(async () => {
      database = await tdb.open();
    });
    afterAll(() => tdb.cleanup());

    /** A server on the shared database under these settings, as after a restart. */
    async function restart(env: Record<string, string>, dataDir = mkdtempSync(join(tmpdir(), 'confab-key-'))) {
      const h = createHarness(database, testConfig({ DATA_DIR: dataDir, ...env }));
      const admin = await h.json('POST', '/api/auth/login', { body: { email: 'rotator@example.com', password: 'correct horse battery' } });
      const cookie =
        admin.status === 200 ? (admin.headers.get('set-cookie') ?? '').split(';')[0] : (await h.signup('rotator@example.com')).cookie;
      const turn = async () => (await h.json('POST', '/api/chat', { cookie, body: { model: 'vault/gpt-4o-mini', message: 'Hi' } })).body;
      return { h, cookie, turn, dataDir };
    }
    const sealedKeyId = async () => (await database.db.select().from(connections))[0].apiKeySealed!.split('.')[1];

    test('rotation-keeps-connections-working-and-seals-them-again-under-the-new-key', async () => {
      const [oldKey, newKey] = [randomKey(), randomKey()];
      const first = await restart({ SECRET_KEY: oldKey });
      const created = await first.h.json('POST', '/api/admin/connections', {
        cookie: first.cookie,
        body: connection(),
      });
      expect(created.status).toBe(201);
      expect((await first.turn()).message.model).toBe('vault/gpt-4o-mini');
      const underOld = await sealedKeyId();
      await first.h.close();

      const rotated = await restart({ SECRET_KEY: newKey, SECRET_KEY_PREVIOUS: oldKey });
      expect((await rotated.turn()).message.model).toBe('vault/gpt-4o-mini');
      expect(await sealedKeyId()).not.toBe(underOld);
      await rotated.h.close();

      const newOnly = await restart({ SECRET_KEY: newKey });
      expect((await newOnly.turn()).message.model).toBe('vault/gpt-4o-mini');
      await newOnly.h.close();

      // The old key alone no longer opens it: the server starts, lists the connection, and does not serve it.
      const stale = await restart({ SECRET_KEY: oldKey });
      expect((await stale.turn()).error.code).toBe('unknown_model');
      const tested = await stale.h.json('POST', `/api/admin/connections/${created.body.id}/test`, { cookie: stale.cookie });
      expect(tested.body).toMatchObject({ ok: false, error: { code: 'secret_unreadable' } });
      const listed = await stale.h.json('GET', '/api/admin/connections', { cookie: stale.cookie });
      expect(listed.body.map((c: { name: string }) => c.name)).toEqual(['vault']);
      await stale.h.close();
    });

    test('without-a-secret-key-one-is-generated-into-the-data-dir-and-still-opens-after-one-is-set', async () => {
      await database.db.delete(connections);
      const generated = await restart({});
      await generated.h.json('POST', '/api/admin/connections', {
        cookie: generated.cookie,
        body: connection(),
      });
      expect(statSync(join(generated.dataDir, 'secret.key')).mode & 0o777).toBe(0o600);
      await generated.h.close();

      const again = await restart({}, generated.dataDir);
      expect((await again.turn()).message.model).toBe('vault/gpt-4o-mini');
      await again.h.close();
      const underFile = await sealedKeyId();

      const configured = await restart({ SECRET_KEY: randomKey() }, generated.dataDir);
      expect((await configured.turn()).message.model).toBe('vault/gpt-4o-mini');
      expect(await sealedKeyId()).not.toBe(underFile);
      await configured.h.close();
    });
  });
}
