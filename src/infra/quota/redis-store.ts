import type Redis from 'ioredis';
import { LuaConnection } from '../redis/lua-connection';
import { withTimeout } from '../redis/with-timeout';
import type { CounterLevel, CounterSpec, QuotaStore, ReserveResult, Spent } from './types';

/**
 * A counter is a hash (`u` used, `r` reserved, `h:<hold>` each hold's amount) and a sorted set of
 * its holds by deadline. Holds past their deadline were left by a process that died mid-turn; the
 * next reservation releases them, so a crashed replica cannot keep a budget blocked.
 */
const PRELUDE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
-- Amounts stay strings on their way back into Redis: Lua would print a large number as 1e+15.
local function release(h, id)
  local a = redis.call('HGET', h, 'h:' .. id)
  if a and a ~= '0' then redis.call('HINCRBY', h, 'r', '-' .. a) end
  redis.call('HDEL', h, 'h:' .. id)
end
`;

// KEYS: hash, holds per counter. ARGV: hold id, hold ms, grace ms, then endsAt, limit, amount per counter.
const RESERVE = `${PRELUDE}
local id, holdMs, grace = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local n = #KEYS / 2
local missing = {}
for i = 1, n do
  if redis.call('EXISTS', KEYS[2 * i - 1]) == 0 then missing[#missing + 1] = i - 1 end
end
if #missing > 0 then return {2, missing} end
local used, reserved = {}, {}
for i = 1, n do
  local h, z = KEYS[2 * i - 1], KEYS[2 * i]
  for _, m in ipairs(redis.call('ZRANGEBYSCORE', z, '-inf', now)) do
    release(h, m)
    redis.call('ZREM', z, m)
  end
  local s = redis.call('HMGET', h, 'u', 'r')
  used[i], reserved[i] = tonumber(s[1]) or 0, tonumber(s[2]) or 0
end
local limited = -1
for i = 1, n do
  local limit, amount = tonumber(ARGV[5 + (i - 1) * 3]), tonumber(ARGV[6 + (i - 1) * 3])
  if amount > 0 and used[i] + reserved[i] + amount > limit then
    limited = i - 1
    break
  end
end
local out = {limited < 0 and 1 or 0, limited}
for i = 1, n do
  if limited < 0 then
    local h, z = KEYS[2 * i - 1], KEYS[2 * i]
    local amount = ARGV[6 + (i - 1) * 3]
    if amount ~= '0' then redis.call('HINCRBY', h, 'r', amount) end
    redis.call('HSET', h, 'h:' .. id, amount)
    redis.call('ZADD', z, now + holdMs, id)
    redis.call('PEXPIREAT', z, tonumber(ARGV[4 + (i - 1) * 3]) + grace)
    reserved[i] = reserved[i] + tonumber(amount)
  end
  out[#out + 1] = used[i]
  out[#out + 1] = reserved[i]
end
return out
`;

// KEYS: hash, holds per held counter, then the hash of each spent counter. ARGV: hold id, held count, amounts.
const SETTLE = `${PRELUDE}
local id, nh = ARGV[1], tonumber(ARGV[2])
for i = 1, nh do
  if redis.call('ZREM', KEYS[2 * i], id) == 1 then release(KEYS[2 * i - 1], id) end
end
for j = 1, #KEYS - 2 * nh do
  local h = KEYS[2 * nh + j]
  if ARGV[2 + j] ~= '0' and redis.call('EXISTS', h) == 1 then redis.call('HINCRBY', h, 'u', ARGV[2 + j]) end
end
return 1
`;

// KEYS: hash. ARGV: used, expire-at ms.
const SEED = `
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('HSET', KEYS[1], 'u', ARGV[1], 'r', 0)
  redis.call('PEXPIREAT', KEYS[1], ARGV[2])
end
return 1
`;

type ScriptClient = Redis & {
  confabQuotaReserve(numKeys: number, ...args: (string | number)[]): Promise<[number, number | number[], ...number[]]>;
  confabQuotaSettle(numKeys: number, ...args: (string | number)[]): Promise<number>;
  confabQuotaSeed(numKeys: number, ...args: (string | number)[]): Promise<number>;
};

export interface RedisQuotaStoreOptions {
  /** Longest a command may take before it counts as a Redis failure. */
  commandTimeoutMs?: number;
  /** Key namespace, so several deployments can share one Redis. */
  prefix?: string;
  /** How long a hold lasts unless settled; longer than any turn runs. */
  holdMs?: number;
}

/** Counters outlive their window by this much, so a turn that ends just after it still settles. */
const GRACE_MS = 3_600_000;

/**
 * Counters in Redis, changed only by Lua scripts, so every replica sees one set and N concurrent
 * reservations against a budget admit exactly what fits. Keys carry the user in a hash tag: one
 * user's counters live in one Redis Cluster slot, as a script that touches several keys needs.
 */
export class RedisQuotaStore implements QuotaStore {
  readonly kind = 'redis' as const;
  private readonly redis: LuaConnection<ScriptClient>;
  private readonly prefix: string;
  private readonly timeoutMs: number;
  private readonly holdMs: number;

  constructor(connection: string | Redis, opts: RedisQuotaStoreOptions = {}) {
    this.prefix = opts.prefix ?? 'confab:q:';
    this.timeoutMs = opts.commandTimeoutMs ?? 250;
    this.holdMs = opts.holdMs ?? 15 * 60_000;
    this.redis = new LuaConnection<ScriptClient>(connection, {
      confabQuotaReserve: RESERVE,
      confabQuotaSettle: SETTLE,
      confabQuotaSeed: SEED,
    });
  }

  private hash(spec: CounterSpec): string {
    return this.prefix + spec.key;
  }

  private holds(spec: CounterSpec): string {
    return `${this.prefix}${spec.key}:holds`;
  }

  async seed(counter: CounterSpec, used: number): Promise<void> {
    await withTimeout(this.redis.client.confabQuotaSeed(1, this.hash(counter), used, counter.endsAt + GRACE_MS), this.timeoutMs);
  }

  async reserve(
    holdId: string,
    specs: readonly CounterSpec[],
    limits: readonly number[],
    amounts: readonly number[],
  ): Promise<ReserveResult> {
    const keys = specs.flatMap((s) => [this.hash(s), this.holds(s)]);
    const argv: (string | number)[] = [holdId, this.holdMs, GRACE_MS];
    for (const [i, s] of specs.entries()) argv.push(s.endsAt, limits[i], amounts[i]);
    const r = await withTimeout(this.redis.client.confabQuotaReserve(keys.length, ...keys, ...argv), this.timeoutMs);
    if (Number(r[0]) === 2) return { outcome: 'unseeded', missing: (r[1] as number[]).map(Number) };
    const levels = specs.map((_, i) => ({ used: Number(r[2 + i * 2]), reserved: Number(r[3 + i * 2]) }));
    return Number(r[0]) === 1 ? { outcome: 'allowed', levels } : { outcome: 'refused', limitedBy: Number(r[1]), levels };
  }

  async settle(holdId: string, held: readonly CounterSpec[], spent: readonly Spent[]): Promise<void> {
    const keys = [...held.flatMap((s) => [this.hash(s), this.holds(s)]), ...spent.map((s) => this.hash(s.counter))];
    if (keys.length === 0) return;
    const argv = [holdId, held.length, ...spent.map((s) => s.amount)];
    await withTimeout(this.redis.client.confabQuotaSettle(keys.length, ...keys, ...argv), this.timeoutMs);
  }

  async read(specs: readonly CounterSpec[]): Promise<(CounterLevel | undefined)[]> {
    const pipeline = this.redis.client.pipeline();
    for (const s of specs) pipeline.hmget(this.hash(s), 'u', 'r');
    const replies = (await withTimeout(pipeline.exec(), this.timeoutMs)) ?? [];
    return replies.map(([error, value]) => {
      if (error) throw error;
      const [u, r] = value as (string | null)[];
      return u === null ? undefined : { used: Number(u), reserved: Number(r ?? 0) };
    });
  }

  /** Resolves true once the connection is ready, false after `timeoutMs`. */
  waitReady(timeoutMs: number): Promise<boolean> {
    return this.redis.waitReady(timeoutMs);
  }

  async close(): Promise<void> {
    this.redis.close();
  }
}
