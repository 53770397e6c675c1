import postgres from 'postgres';
import { type Database, openPglite, openPostgres } from '../db/client';

export interface TestDatabase {
  name: 'pglite' | 'postgres';
  /** A fresh, migrated, empty database. */
  open(): Promise<Database>;
  /** Drops everything `open` created. */
  cleanup(): Promise<void>;
}

/** A throwaway database on the real server named by TEST_DATABASE_URL, so test files never collide. */
export async function createScratchDatabase(baseUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `confab_t_${crypto.randomUUID().replaceAll('-', '').slice(0, 16)}`;
  const admin = postgres(baseUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const sql = postgres(baseUrl, { max: 1, onnotice: () => {} });
      await sql.unsafe(`drop database if exists ${name} with (force)`);
      await sql.end();
    },
  };
}

let template: Promise<Blob> | undefined;

/** Creating a PGlite cluster runs initdb (seconds); every test database after the first starts
 * from a dump of one migrated cluster instead. */
function pgliteTemplate(): Promise<Blob> {
  return (template ??= (async () => {
    const db = openPglite();
    await db.migrate();
    const dump = await db.pglite!.dumpDataDir('none');
    await db.close();
    return dump;
  })());
}

function pglite(): TestDatabase {
  const opened: Database[] = [];
  return {
    name: 'pglite',
    open: async () => {
      const db = openPglite('memory://', await pgliteTemplate());
      await db.migrate();
      opened.push(db);
      return db;
    },
    cleanup: async () => {
      await Promise.all(opened.splice(0).map((d) => d.close().catch(() => {})));
    },
  };
}

function realPostgres(baseUrl: string): TestDatabase {
  const created: { db: Database; drop(): Promise<void> }[] = [];
  return {
    name: 'postgres',
    open: async () => {
      const scratch = await createScratchDatabase(baseUrl);
      const db = openPostgres(scratch.url, 4);
      await db.migrate();
      created.push({ db, drop: scratch.drop });
      return db;
    },
    cleanup: async () => {
      for (const c of created.splice(0)) {
        await c.db.close().catch(() => {});
        await c.drop();
      }
    },
  };
}

let announced = false;

/** PGlite always; real PostgreSQL too when TEST_DATABASE_URL is set (CI sets it). */
export function testDatabases(): TestDatabase[] {
  const url = process.env.TEST_DATABASE_URL;
  if (!url && !announced) {
    announced = true;
    console.warn('TEST_DATABASE_URL is not set: skipping the real PostgreSQL variants (PGlite only)');
  }
  return url ? [pglite(), realPostgres(url)] : [pglite()];
}
