import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite/vector';
import type { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import * as schema from './schema';

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface Database {
  db: Db;
  /** The PGlite instance when embedded, for dumps and low-level access. */
  pglite?: PGlite;
  kind: 'pglite' | 'postgres';
  /** Raw SQL rows, for the few queries drizzle's builder does not express well. */
  rows<T = Record<string, unknown>>(query: ReturnType<typeof sql>): Promise<T[]>;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

const MIGRATIONS = fileURLToPath(new URL('../../drizzle', import.meta.url));

export interface DatabaseOptions {
  /** postgres:// URL; without it the embedded PGlite is used. */
  url?: string;
  /** PGlite data directory; `memory://` (or undefined) keeps it in memory. */
  dataDir?: string;
  poolSize?: number;
  /** A PGlite data-dir dump (from `dumpDataDir`) to start from instead of an empty cluster. */
  seed?: Blob;
}

export async function openDatabase(opts: DatabaseOptions): Promise<Database> {
  const database = opts.url ? openPostgres(opts.url, opts.poolSize ?? 10) : await openPglite(opts.dataDir, opts.seed);
  await database.migrate();
  return database;
}

async function openPglite(dataDir?: string, seed?: Blob): Promise<Database & { migrate(): Promise<void> }> {
  if (dataDir && !dataDir.startsWith('memory://')) mkdirSync(dataDir, { recursive: true });
  const client = await PGlite.create(dataDir ?? 'memory://', { extensions: { vector }, loadDataDir: seed });
  const db = drizzlePglite({ client, schema }) as unknown as Db;
  return {
    db,
    pglite: client,
    kind: 'pglite',
    migrate: () => migratePglite(db as never, { migrationsFolder: MIGRATIONS }),
    rows: async <T>(query: ReturnType<typeof sql>) => ((await db.execute(query)) as unknown as { rows: T[] }).rows,
    ping: async () => {
      await client.query('select 1');
      return true;
    },
    close: () => client.close(),
  };
}

function openPostgres(url: string, max: number): Database & { migrate(): Promise<void> } {
  const client = postgres(url, { max, onnotice: () => {}, connect_timeout: 10 });
  const db = drizzlePostgres({ client, schema }) as unknown as Db;
  return {
    db,
    kind: 'postgres',
    migrate: () => migratePostgres(db as never, { migrationsFolder: MIGRATIONS }),
    rows: async <T>(query: ReturnType<typeof sql>) => (await db.execute(query)) as unknown as T[],
    ping: async () => {
      await client`select 1`;
      return true;
    },
    close: () => client.end({ timeout: 5 }),
  };
}
