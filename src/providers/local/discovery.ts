import { log } from '../../lib/logger';

export interface ModelDiscovery {
  /** The last known model list; refreshed in the background once stale, fetched inline the first time. */
  list(): Promise<string[]>;
}

/**
 * Caches a server's model list. A failed refresh keeps the previous list, so a local server that
 * restarts does not make its models vanish from the picker for a whole refresh period.
 */
export function createModelDiscovery(fetchIds: () => Promise<string[]>, opts: { ttlMs: number; now?: () => number }): ModelDiscovery {
  const now = opts.now ?? Date.now;
  let ids: string[] | undefined;
  let fetchedAt = 0;
  let inflight: Promise<string[]> | undefined;

  function refresh(): Promise<string[]> {
    inflight ??= fetchIds()
      .then((fresh) => {
        ids = fresh;
        return fresh;
      })
      .catch((err: unknown) => {
        log.warn('local model discovery failed', { error: err instanceof Error ? err.message : String(err) });
        return ids ?? [];
      })
      .finally(() => {
        fetchedAt = now();
        inflight = undefined;
      });
    return inflight;
  }

  return {
    list() {
      if (ids === undefined) return inflight ?? refresh();
      if (now() - fetchedAt >= opts.ttlMs) void refresh();
      return Promise.resolve(ids);
    },
  };
}
