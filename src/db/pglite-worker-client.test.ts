import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { type Database, openPglite } from './client';
import { PgliteWorkerClient } from './pglite-worker-client';
import { users } from './schema';

const emails = async (database: Database) => (await database.db.select({ email: users.email }).from(users)).map((u) => u.email).sort();

describe('the embedded database on its worker thread', () => {
  let database: Database;
  beforeAll(async () => {
    database = openPglite();
    await database.migrate();
  });
  afterAll(() => database.close());

  test('a-query-from-outside-waits-until-an-open-transaction-commits', async () => {
    let outside: Promise<string[]> | undefined;
    await database.db.transaction(async (tx) => {
      await tx.insert(users).values({ email: 'inside@example.com', passwordHash: 'h' });
      outside = emails(database);
      // Had it run inside this transaction, it would already see the uncommitted row and be done.
      await Bun.sleep(100);
      await tx.insert(users).values({ email: 'inside-too@example.com', passwordHash: 'h' });
    });
    expect(await outside!).toEqual(expect.arrayContaining(['inside-too@example.com', 'inside@example.com']));
  });

  test('concurrent-transactions-run-one-after-the-other', async () => {
    // Each reads how many there are and adds the next: interleaved, two would read the same count
    // and the second insert would break the unique email.
    const next = () =>
      database.db.transaction(async (tx) => {
        const [{ n }] = await tx.select({ n: sql<number>`count(*)::int` }).from(users).where(sql`${users.email} like 'serial-%'`);
        await Bun.sleep(5);
        await tx.insert(users).values({ email: `serial-${n}@example.com`, passwordHash: 'h' });
      });
    await Promise.all(Array.from({ length: 10 }, next));
    const serial = (await emails(database)).filter((e) => e.startsWith('serial-'));
    expect(serial).toHaveLength(10);
  });

  test('a-transaction-that-throws-leaves-nothing-behind', async () => {
    const failed = database.db.transaction(async (tx) => {
      await tx.insert(users).values({ email: 'rolled-back@example.com', passwordHash: 'h' });
      throw new Error('changed my mind');
    });
    await expect(failed).rejects.toThrow('changed my mind');
    expect(await emails(database)).not.toContain('rolled-back@example.com');
  });

  test('a-nested-transaction-that-fails-rolls-back-to-its-savepoint-only', async () => {
    await database.db.transaction(async (tx) => {
      await tx.insert(users).values({ email: 'outer@example.com', passwordHash: 'h' });
      await tx
        .transaction(async (inner) => {
          await inner.insert(users).values({ email: 'inner@example.com', passwordHash: 'h' });
          inner.rollback();
        })
        .catch(() => {});
    });
    const all = await emails(database);
    expect(all).toContain('outer@example.com');
    expect(all).not.toContain('inner@example.com');
  });

  test('a-unique-violation-keeps-its-postgres-code-and-constraint', async () => {
    await database.db.insert(users).values({ email: 'twice@example.com', passwordHash: 'h' });
    const error = await database.db
      .insert(users)
      .values({ email: 'twice@example.com', passwordHash: 'h' })
      .then(
        () => undefined,
        (e: Error & { cause?: { code?: string; constraint?: string } }) => e,
      );
    expect(error?.cause?.code).toBe('23505');
    expect(error?.cause?.constraint).toBe('users_email_unique');
  });

  test('timestamps-and-json-come-back-as-the-schema-types', async () => {
    const at = new Date('2026-01-02T03:04:05.678Z');
    await database.db.insert(users).values({ email: 'typed@example.com', passwordHash: 'h', lastLoginAt: at, limits: { rpm: 7 } });
    const [row] = await database.db.select().from(users).where(eq(users.email, 'typed@example.com'));
    expect(row.lastLoginAt).toEqual(at);
    expect(row.createdAt).toBeInstanceOf(Date);
    expect(row.limits).toEqual({ rpm: 7 });
    const [raw] = await database.rows<{ n: number; v: string }>(sql`select 41 + 1 as n, '[1,2,3]'::vector as v`);
    expect(raw).toEqual({ n: 42, v: '[1,2,3]' });
  });

  test('the-calling-thread-keeps-running-while-a-statement-runs', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 20);
    await database.rows(sql`select pg_sleep(0.6)`);
    clearInterval(timer);
    // On the calling thread the statement would block the loop and no tick could run until it ended.
    expect(ticks).toBeGreaterThanOrEqual(5);
  });
});

describe('the embedded database client', () => {
  const dir = mkdtempSync(join(tmpdir(), 'confab-pglite-worker-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('a-parser-that-would-change-values-is-refused-and-a-closed-database-refuses-queries', async () => {
    const client = new PgliteWorkerClient('memory://');
    expect(() => client.query('select 1', [], { parsers: { 23: (v) => Number(v) * 2 } })).toThrow('cannot run on the database thread');
    expect((await client.query<{ n: number }>('select 1 as n')).rows).toEqual([{ n: 1 }]);
    await client.close();
    await expect(client.query('select 1')).rejects.toThrow('the embedded database is closed');
  });

  test('a-fresh-data-dir-gets-its-cluster-from-a-process-of-its-own-then-opens', async () => {
    const client = new PgliteWorkerClient(dir);
    await client.waitReady;
    expect(existsSync(join(dir, 'PG_VERSION'))).toBe(true);
    const { rows } = await client.query<{ sb: string }>("select current_setting('shared_buffers') as sb");
    expect(rows[0].sb).toBe('16MB');
    await client.close();
  });
});
