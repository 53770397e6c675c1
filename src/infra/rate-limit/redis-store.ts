import type Redis from 'ioredis';
import { LuaConnection } from '../redis/lua-connection';
import { withTimeout } from '../redis/with-timeout';
import type { BucketSpec, RateLimitStore, TakeResult } from './types';

/**
 * The same arithmetic as token-bucket.ts, run atomically inside Redis on Redis's own clock, so
 * every replica sees one set of buckets and N concurrent takes against L tokens admit exactly L.
 * ARGV: mode ('take' | 'adjust'), then capacity, periodMs and cost (or delta) per key.
 */
const SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local mode = ARGV[1]
local n = #KEYS
local caps, periods, costs, levels = {}, {}, {}, {}
for i = 1, n do
  local cap = tonumber(ARGV[2 + (i - 1) * 3])
  local period = tonumber(ARGV[3 + (i - 1) * 3])
  caps[i], periods[i], costs[i] = cap, period, tonumber(ARGV[4 + (i - 1) * 3])
  local s = redis.call('HMGET', KEYS[i], 'v', 't', 'c')
  local v = tonumber(s[1])
  if v == nil then
    levels[i] = cap
  else
    local stored = tonumber(s[3])
    if stored ~= nil then v = v + cap - stored end
    levels[i] = math.min(cap, v + math.max(0, now - tonumber(s[2])) * cap / period)
  end
end
local function store(i, v)
  redis.call('HSET', KEYS[i], 'v', tostring(v), 't', tostring(now), 'c', tostring(caps[i]))
  redis.call('PEXPIRE', KEYS[i], math.ceil((caps[i] - v) * periods[i] / caps[i]) + 1000)
end
if mode == 'adjust' then
  store(1, math.min(caps[1], levels[1] + costs[1]))
  return {1}
end
local wait, limited = 0, -1
for i = 1, n do
  if levels[i] < costs[i] then
    local w = math.ceil((costs[i] - levels[i]) * periods[i] / caps[i])
    if w > wait or limited < 0 then wait, limited = w, i - 1 end
  end
end
local out = {limited < 0 and 1 or 0, limited, wait}
for i = 1, n do
  local v = levels[i]
  if limited < 0 then
    v = v - costs[i]
    store(i, v)
  end
  out[#out + 1] = math.floor(v)
  out[#out + 1] = math.ceil((caps[i] - v) * periods[i] / caps[i])
end
return out
`;

type ScriptClient = Redis & { confabBucket(numKeys: number, ...args: (string | number)[]): Promise<number[]> };

export interface RedisStoreOptions {
  /** Longest a limiter command may take before it counts as a Redis failure. */
  commandTimeoutMs?: number;
  /** Key namespace, so several deployments can share one Redis. */
  prefix?: string;
}

/**
 * Buckets in Redis. Given a URL it opens (and later closes) its own connection; given a client it
 * borrows it. Either way commands fail fast while Redis is away, and the limiter's fallback decides.
 */
export class RedisRateLimitStore implements RateLimitStore {
  readonly kind = 'redis' as const;
  private readonly redis: LuaConnection<ScriptClient>;
  private readonly prefix: string;
  private readonly timeoutMs: number;

  constructor(connection: string | Redis, opts: RedisStoreOptions = {}) {
    this.prefix = opts.prefix ?? 'confab:rl:';
    this.timeoutMs = opts.commandTimeoutMs ?? 250;
    this.redis = new LuaConnection<ScriptClient>(connection, { confabBucket: SCRIPT });
  }

  private args(buckets: readonly BucketSpec[], amounts: readonly number[], mode: 'take' | 'adjust'): (string | number)[] {
    const keys = buckets.map((b) => this.prefix + b.key);
    const argv: (string | number)[] = [mode];
    for (const [i, b] of buckets.entries()) argv.push(b.capacity, b.periodMs, amounts[i]);
    return [...keys, ...argv];
  }

  async take(buckets: readonly BucketSpec[], costs: readonly number[]): Promise<TakeResult> {
    const r = await withTimeout(this.redis.client.confabBucket(buckets.length, ...this.args(buckets, costs, 'take')), this.timeoutMs);
    const levels = buckets.map((_, i) => ({ remaining: Number(r[3 + i * 2]), resetMs: Number(r[4 + i * 2]) }));
    return { allowed: Number(r[0]) === 1, limitedBy: Number(r[1]), retryAfterMs: Number(r[2]), levels };
  }

  async adjust(bucket: BucketSpec, delta: number): Promise<void> {
    await withTimeout(this.redis.client.confabBucket(1, ...this.args([bucket], [delta], 'adjust')), this.timeoutMs);
  }

  /** Resolves true once the connection is ready, false after `timeoutMs`. */
  waitReady(timeoutMs: number): Promise<boolean> {
    return this.redis.waitReady(timeoutMs);
  }

  async close(): Promise<void> {
    this.redis.close();
  }
}
