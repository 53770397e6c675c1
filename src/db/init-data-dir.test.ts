import { afterAll, describe, expect, test } from 'bun:test';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { createTar, parseTar } from 'nanotar';
import { openPglite } from './client';
import { initDataDir } from './init-data-dir';
import { users } from './schema';

/** Opens the cluster in `dir`, migrates it and writes and reads a row: it is a working database. */
async function works(dir: string): Promise<boolean> {
  const database = openPglite(dir);
  try {
    await database.migrate();
    await database.db.insert(users).values({ email: 'a@example.com', passwordHash: 'h' });
    return (await database.db.select().from(users)).length === 1;
  } finally {
    await database.close();
  }
}

/** The tables and the record of applied migrations are there before the server migrates anything. */
async function alreadyMigrated(dir: string): Promise<boolean> {
  const database = openPglite(dir);
  try {
    const applied = await database.rows<{ n: number }>(sql`select count(*)::int as n from drizzle.__drizzle_migrations`);
    await database.db.select().from(users);
    return applied[0]!.n > 0;
  } finally {
    await database.close();
  }
}

describe('creating the embedded cluster', () => {
  const root = mkdtempSync(join(tmpdir(), 'confab-init-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const template = join(root, 'cache', 'pglite-cluster.tar');

  test('the-first-fresh-data-dir-runs-initdb-and-the-migrations-and-keeps-the-cluster-as-the-template', async () => {
    await initDataDir(join(root, 'first'), template);
    expect(statSync(template).isFile()).toBe(true);
    expect(await alreadyMigrated(join(root, 'first'))).toBe(true);
    expect(readdirSync(join(root, 'cache'))).toEqual(['pglite-cluster.tar']);
    expect(await works(join(root, 'first'))).toBe(true);
  });

  test('the-next-fresh-data-dir-is-a-copy-of-the-template-and-a-working-database', async () => {
    const kept = readFileSync(template);
    const items = parseTar(kept).map((i) => ({ name: i.name, data: i.type === 'file' ? (i.data ?? new Uint8Array()) : undefined }));
    writeFileSync(template, createTar([...items, { name: 'copied-from-template', data: new Uint8Array() }]));
    await initDataDir(join(root, 'second'), template);
    expect(existsSync(join(root, 'second', 'copied-from-template'))).toBe(true);
    expect(await alreadyMigrated(join(root, 'second'))).toBe(true);
    expect(existsSync(join(root, 'second.creating'))).toBe(false);
    expect(await works(join(root, 'second'))).toBe(true);
    // Neither cluster's writes reached the template: a third starts empty (a copied row would
    // break the unique email).
    await initDataDir(join(root, 'third'), template);
    expect(await works(join(root, 'third'))).toBe(true);
  });

  test('a-new-cluster-holds-only-the-database-the-server-uses-and-only-its-owner-reads-it', async () => {
    const dir = join(root, 'first');
    const database = openPglite(dir);
    try {
      const names = await database.rows<{ datname: string }>(sql`select datname from pg_database order by datname`);
      expect(names.map((n) => n.datname)).toEqual(['postgres']);
    } finally {
      await database.close();
    }
    expect(statSync(template).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'PG_VERSION')).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o077).toBe(0);
    expect(statSync(join(root, 'second')).mode & 0o077).toBe(0);
  });

  test('a-relative-data-dir-like-the-default-gets-a-working-cluster-both-ways', async () => {
    const cwd = process.cwd();
    process.chdir(root);
    try {
      // The first on the machine (initdb in the child) and then a copy of its template.
      await initDataDir('./relative-first', join(root, 'relative-cache', 'pglite-cluster.tar'));
      await initDataDir('./relative-second', join(root, 'relative-cache', 'pglite-cluster.tar'));
    } finally {
      process.chdir(cwd);
    }
    expect(await works(join(root, 'relative-first'))).toBe(true);
    expect(await works(join(root, 'relative-second'))).toBe(true);
  });

  test('a-template-that-cannot-be-kept-still-gives-a-working-cluster', async () => {
    writeFileSync(join(root, 'not-a-dir'), '');
    await initDataDir(join(root, 'uncached'), join(root, 'not-a-dir', 'pglite-cluster.tar'));
    expect(await works(join(root, 'uncached'))).toBe(true);
  });
});
