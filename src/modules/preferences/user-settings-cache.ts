import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import type { Broadcast } from '../../infra/broadcast';
import { log } from '../../lib/logger';
import { type Preferences, preferencesOf } from '../conversations/settings';

/** Carries the id of a user whose preferences or plugin switches changed on another replica. */
export const USER_SETTINGS_CHANNEL = 'user-settings';

const MAX_CACHED = 10_000;

interface Entry {
  at: number;
  value: Promise<{ preferences: Preferences; disabledPlugins: ReadonlySet<string> }>;
}

/**
 * What every chat turn reads of its user and the user rarely changes: their preferences and the
 * plugins they switched off. A change made on this process applies to the next turn; other
 * replicas hear of it over the broadcast (Redis pub/sub when shared) and forget theirs, and
 * without one (or after a missed message) they read again within `ttlMs`.
 */
export interface UserSettingsCache {
  preferences(userId: string): Promise<Preferences>;
  disabledPlugins(userId: string): Promise<ReadonlySet<string>>;
  /** Called after this user's preferences or plugin switches were written: forgets them here and on every replica. */
  changed(userId: string): Promise<void>;
}

export function createUserSettingsCache(
  database: Database,
  broadcast: Broadcast,
  opts: { ttlMs?: number; now?: () => number } = {},
): UserSettingsCache {
  const ttlMs = opts.ttlMs ?? 5_000;
  const now = opts.now ?? Date.now;
  const cache = new Map<string, Entry>();
  broadcast.subscribe(USER_SETTINGS_CHANNEL, (userId) => (userId === undefined ? cache.clear() : cache.delete(userId)));

  async function load(userId: string): Promise<Awaited<Entry['value']>> {
    const [row] = await database.rows<{ preferences: unknown; disabled: string[] | null }>(sql`
      select
        (select preferences from users where id = ${userId}) as preferences,
        (select jsonb_agg(name) from plugins where user_id = ${userId} and not enabled) as disabled`);
    return { preferences: preferencesOf(row?.preferences), disabledPlugins: new Set(row?.disabled ?? []) };
  }

  function of(userId: string): Entry['value'] {
    const hit = cache.get(userId);
    if (hit && now() - hit.at < ttlMs) return hit.value;
    if (cache.size >= MAX_CACHED) cache.clear();
    const value = load(userId);
    // Set before it resolves: a change that forgets it meanwhile also keeps the stale read out.
    cache.set(userId, { at: now(), value });
    value.catch(() => cache.get(userId)?.value === value && cache.delete(userId));
    return value;
  }

  return {
    preferences: async (userId) => (await of(userId)).preferences,
    disabledPlugins: async (userId) => (await of(userId)).disabledPlugins,
    async changed(userId) {
      cache.delete(userId);
      await broadcast.publish(USER_SETTINGS_CHANNEL, userId).catch((error) => log.warn('user settings change not broadcast', { error }));
    },
  };
}
