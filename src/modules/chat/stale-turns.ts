import { and, eq, lt, sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { messages } from '../../db/schema';
import { log } from '../../lib/logger';

/** A turn still `streaming` this long after it began belongs to a process that died. */
export const STALE_TURN_MS = 30 * 60_000;

/**
 * Marks answers left `streaming` by a crashed process as `interrupted`, keeping the text saved so
 * far. The embedded database has no other writer, so at start-up every such answer is stale;
 * on a shared database only old ones are, since other replicas may still be streaming theirs.
 */
export async function interruptStaleTurns(database: Database, opts: { all?: boolean; olderThanMs?: number } = {}) {
  const cutoff = new Date(Date.now() - (opts.olderThanMs ?? STALE_TURN_MS));
  const rows = await database.db
    .update(messages)
    .set({ status: 'interrupted', error: sql`coalesce(${messages.error}, 'The server stopped before this answer finished')` })
    .where(opts.all ? eq(messages.status, 'streaming') : and(eq(messages.status, 'streaming'), lt(messages.createdAt, cutoff)))
    .returning({ id: messages.id });
  if (rows.length) log.warn('marked interrupted answers left by a stopped process', { count: rows.length });
  return rows.length;
}

export interface StaleTurnSweep {
  /** Sweeps now (at start-up) and then every `everyMs`. */
  start(): void;
  stop(): Promise<void>;
}

export function createStaleTurnSweep(database: Database, everyMs = 5 * 60_000): StaleTurnSweep {
  const sweep = (all: boolean) => interruptStaleTurns(database, { all }).catch((error) => log.warn('stale turn sweep failed', { error }));
  let timer: ReturnType<typeof setInterval> | undefined;
  return {
    start() {
      void sweep(database.kind === 'pglite');
      timer = setInterval(() => void sweep(false), everyMs);
      timer.unref?.();
    },
    async stop() {
      clearInterval(timer);
    },
  };
}
