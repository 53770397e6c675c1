import { mkdirSync } from 'node:fs';
import type { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { MIGRATIONS } from './migrations-folder';
import { PgliteWorkerClient } from './pglite-worker-client';
import * as schema from './schema';

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

/**
 * One database, embedded or shared. Opening is synchronous so a context can be assembled in one
 * go; the connection comes up in the background and `migrate` (run before first use) waits for it.
 */
export interface Database {
  db: Db;
  /** The embedded database's thread when embedded, for dumps. */
  pglite?: PgliteWorkerClient;
  kind: 'pglite' | 'postgres';
  /** Applies pending migrations; also where a database that cannot start reports why. */
  migrate(): Promise<void>;
  /** Raw SQL rows, for the few queries drizzle's builder does not express well. */
  rows<T = Record<string, unknown>>(query: ReturnType<typeof sql>): Promise<T[]>;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * PGlite in `dataDir` (`memory://` keeps it in memory) on a worker thread, optionally starting from
 * a data-dir dump (`dumpDataDir`) instead of an empty cluster.
 */
export function openPglite(dataDir = 'memory://', seed?: Blob): Database {
  if (!dataDir.startsWith('memory://')) mkdirSync(dataDir, { recursive: true });
  return pgliteDatabase(new PgliteWorkerClient(dataDir, seed));
}

/** The embedded database on a thread that is already starting (see src/early-start.ts). */
export function pgliteDatabase(client: PgliteWorkerClient): Database {
  // The worker client speaks the part of PGlite's API the driver uses (see pglite-worker-client.ts).
  const db = drizzlePglite({ client: client as never, schema }) as unknown as Db;
  return {
    db,
    pglite: client,
    kind: 'pglite',
    migrate: async () => {
      await client.waitReady;
      await migratePglite(db as never, { migrationsFolder: MIGRATIONS });
    },
    rows: async <T>(query: ReturnType<typeof sql>) => ((await db.execute(query)) as unknown as { rows: T[] }).rows,
    ping: async () => {
      await client.query('select 1');
      return true;
    },
    close: () => client.close(),
  };
}

/** PostgreSQL at `url` through a pool of `poolSize` connections, opened on first use. */
export function openPostgres(url: string, poolSize = 10): Database {
  const client = postgres(url, { max: poolSize, onnotice: () => {}, connect_timeout: 10 });
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
