import { sql } from 'drizzle-orm';
import type { Config } from '../../config';
import type { Database } from '../../db/client';
import { DEFAULT_LIMITS_KEY } from '../settings/default-limits';
import { type EffectiveLimits, LIMIT_KINDS, type LimitKind, type Limits } from './model';

export type LimitSource = 'user' | 'group' | 'default';

export interface ResolvedLimits {
  limits: EffectiveLimits;
  sources: Record<LimitKind, LimitSource>;
}

/** The environment's defaults: RATE_LIMIT_* and QUOTA_*, where 0 or unset means no limit. */
export function environmentDefaults(config: Pick<Config, 'rateLimit' | 'quota'>): EffectiveLimits {
  return {
    rpm: config.rateLimit.rpm || null,
    tpm: config.rateLimit.tpm || null,
    tokensPerDay: config.quota.tokensPerDay ?? null,
    usdPerMonth: config.quota.usdPerMonth ?? null,
  };
}

/** The server default: each limit the runtime setting names, else the environment's. */
export function defaultLimits(environment: EffectiveLimits, runtime: Limits | null | undefined): EffectiveLimits {
  const out = { ...environment };
  for (const kind of LIMIT_KINDS) if (runtime && runtime[kind] !== undefined) out[kind] = runtime[kind] as number | null;
  return out;
}

/**
 * Per limit: the user's own if they have one, else the most generous of their groups' (no limit
 * beats any number, a larger number a smaller one) among the groups that set it, else the default.
 */
export function resolveLimits(own: Limits | null | undefined, groups: readonly Limits[], defaults: EffectiveLimits): ResolvedLimits {
  const limits = { ...defaults };
  const sources = Object.fromEntries(LIMIT_KINDS.map((k) => [k, 'default'])) as Record<LimitKind, LimitSource>;
  for (const kind of LIMIT_KINDS) {
    if (own && own[kind] !== undefined) {
      limits[kind] = own[kind] as number | null;
      sources[kind] = 'user';
      continue;
    }
    const set = groups.filter((g) => g[kind] !== undefined).map((g) => g[kind] as number | null);
    if (set.length === 0) continue;
    limits[kind] = set.includes(null) ? null : Math.max(...(set as number[]));
    sources[kind] = 'group';
  }
  return { limits, sources };
}

export interface LimitsResolver {
  /** The user's effective limits, read at most once per `ttlMs` (or since the last change here). */
  of(userId: string): Promise<ResolvedLimits>;
  /** The server default now. */
  defaults(): Promise<EffectiveLimits>;
  /** Forgets what was read: called after an admin changes a user's, a group's or the default limits. */
  invalidate(): void;
}

const MAX_CACHED = 10_000;

/**
 * Effective limits behind a short cache, because every turn needs them and they rarely change.
 * A change made on this process applies to the next turn; other replicas see it within `ttlMs`.
 */
export function createLimitsResolver(
  database: Database,
  config: Pick<Config, 'rateLimit' | 'quota'>,
  opts: { ttlMs?: number; now?: () => number } = {},
): LimitsResolver {
  const ttlMs = opts.ttlMs ?? 5_000;
  const now = opts.now ?? Date.now;
  const environment = environmentDefaults(config);
  const cache = new Map<string, { at: number; value: Promise<ResolvedLimits> }>();

  async function load(userId: string): Promise<ResolvedLimits> {
    const [row] = await database.rows<{ own: Limits | null; groups: Limits[] | null; defaults: Limits | null }>(sql`
      select
        (select limits from users where id = ${userId}) as own,
        (select jsonb_agg(g.limits) from group_members m join groups g on g.id = m.group_id
          where m.user_id = ${userId} and g.limits is not null) as groups,
        (select value from settings where key = ${DEFAULT_LIMITS_KEY}) as defaults`);
    return resolveLimits(row?.own, row?.groups ?? [], defaultLimits(environment, row?.defaults));
  }

  return {
    of(userId) {
      const hit = cache.get(userId);
      if (hit && now() - hit.at < ttlMs) return hit.value;
      if (cache.size >= MAX_CACHED) cache.clear();
      const value = load(userId);
      cache.set(userId, { at: now(), value });
      value.catch(() => cache.delete(userId));
      return value;
    },
    async defaults() {
      const [row] = await database.rows<{ value: Limits | null }>(sql`select value from settings where key = ${DEFAULT_LIMITS_KEY}`);
      return defaultLimits(environment, row?.value);
    },
    invalidate: () => cache.clear(),
  };
}
