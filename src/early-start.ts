import { mkdirSync } from 'node:fs';
import type { Config } from './config';
import { type DataDirLock, lockDataDir } from './db/data-dir-lock';
import { PgliteWorkerClient } from './db/pglite-worker-client';

/**
 * What start-up begins before the server's modules load: the data directory's lock and the
 * embedded database's thread (with initdb on a fresh data dir). The database then comes up on its
 * own thread while this one loads the rest (about half a second each), instead of after it.
 * `createContext` owns both from then on, as if it had made them.
 */
export interface EarlyStart {
  dataDirLock?: DataDirLock;
  pglite?: PgliteWorkerClient;
}

/** Where the embedded cluster lives inside DATA_DIR. */
export const pgliteDir = (config: Pick<Config, 'dataDir'>) => `${config.dataDir}/pglite`;

/** Nothing on PostgreSQL; replicas there share DATA_DIR on purpose, for uploaded files. */
export function startEarly(config: Pick<Config, 'dataDir' | 'databaseUrl'>): EarlyStart {
  if (config.databaseUrl) return {};
  // Taken before anything else starts, so a refused process has nothing to stop.
  const dataDirLock = lockDataDir(config.dataDir);
  mkdirSync(pgliteDir(config), { recursive: true });
  return { dataDirLock, pglite: new PgliteWorkerClient(pgliteDir(config)) };
}
