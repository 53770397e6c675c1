import type Redis from 'ioredis';
import { LuaConnection } from '../redis/lua-connection';
import { withTimeout } from '../redis/with-timeout';
import type { BackoffDecision, BackoffRule, BackoffStore } from './types';

/**
 * backoff.ts's arithmetic, run atomically inside Redis so every replica counts into one set of keys
 * and N concurrent attempts against a key with F free attempts admit exactly F. A key is a hash of
 * `n` (attempts counted) and `u` (until when the next one must wait), expiring at its forget time.
 * ARGV: mode ('reserve' | 'fail' | 'release' | 'clear'); for 'reserve' and 'fail' then now, and
 * free, baseMs, maxMs and forgetMs per key.
 */
const SCRIPT = `
local mode = ARGV[1]
if mode == 'clear' then
  redis.call('DEL', unpack(KEYS))
  return {1, -1, 0}
end
if mode == 'release' then
  for i = 1, #KEYS do
    local n = tonumber(redis.call('HGET', KEYS[i], 'n'))
    if n and n > 0 then redis.call('HSET', KEYS[i], 'n', n - 1) end
  end
  return {1, -1, 0}
end
local now = tonumber(ARGV[2])
if mode == 'fail' then
  for i = 1, #KEYS do
    local s = redis.call('HMGET', KEYS[i], 'n', 'u')
    local n, u = tonumber(s[1]), tonumber(s[2]) or 0
    local at = 3 + (i - 1) * 4
    local free, base, max, forget = tonumber(ARGV[at]), tonumber(ARGV[at + 1]), tonumber(ARGV[at + 2]), tonumber(ARGV[at + 3])
    if n and n >= free then
      u = math.max(u, now + math.min(max, base * 2 ^ (n - free)))
      redis.call('HSET', KEYS[i], 'u', string.format('%d', u))
      redis.call('PEXPIRE', KEYS[i], u - now + forget)
    end
  end
  return {1, -1, 0}
end
local ns, us = {}, {}
local wait, limited = 0, -1
for i = 1, #KEYS do
  local s = redis.call('HMGET', KEYS[i], 'n', 'u')
  ns[i], us[i] = tonumber(s[1]) or 0, tonumber(s[2]) or 0
  local free = tonumber(ARGV[3 + (i - 1) * 4])
  if ns[i] >= free and us[i] > now and us[i] - now > wait then wait, limited = us[i] - now, i - 1 end
end
if limited >= 0 then return {0, limited, wait} end
for i = 1, #KEYS do
  local at = 3 + (i - 1) * 4
  local free, base, max, forget = tonumber(ARGV[at]), tonumber(ARGV[at + 1]), tonumber(ARGV[at + 2]), tonumber(ARGV[at + 3])
  local n, u = ns[i] + 1, us[i]
  if n >= free then u = now + math.min(max, base * 2 ^ (n - free)) end
  redis.call('HSET', KEYS[i], 'n', n, 'u', string.format('%d', u))
  redis.call('PEXPIRE', KEYS[i], math.max(u, now) - now + forget)
end
return {1, -1, 0}
`;

type ScriptClient = Redis & { confabBackoff(numKeys: number, ...args: (string | number)[]): Promise<number[]> };

export interface RedisBackoffStoreOptions {
  /** Longest a command may take before it counts as a Redis failure. */
  commandTimeoutMs?: number;
  /** Key namespace, so several deployments can share one Redis. */
  prefix?: string;
}

/**
 * Attempt counts in Redis, shared by every replica. Given a URL it opens (and later closes) its own
 * connection; given a client it borrows it. Commands fail fast while Redis is away.
 */
export class RedisBackoffStore implements BackoffStore {
  readonly kind = 'redis' as const;
  private readonly redis: LuaConnection<ScriptClient>;
  private readonly prefix: string;
  private readonly timeoutMs: number;

  constructor(connection: string | Redis, opts: RedisBackoffStoreOptions = {}) {
    this.prefix = opts.prefix ?? 'confab:backoff:';
    this.timeoutMs = opts.commandTimeoutMs ?? 250;
    this.redis = new LuaConnection<ScriptClient>(connection, { confabBackoff: SCRIPT });
  }

  private run(keys: readonly string[], ...argv: (string | number)[]): Promise<number[]> {
    const prefixed = keys.map((k) => this.prefix + k);
    return withTimeout(this.redis.client.confabBackoff(prefixed.length, ...prefixed, ...argv), this.timeoutMs);
  }

  private withRules(mode: 'reserve' | 'fail', rules: readonly BackoffRule[], now: number): Promise<number[]> {
    const argv: number[] = [Math.floor(now)];
    for (const r of rules) argv.push(r.free, r.baseMs, r.maxMs, r.forgetMs);
    return this.run(
      rules.map((r) => r.key),
      mode,
      ...argv,
    );
  }

  async reserve(rules: readonly BackoffRule[], now: number): Promise<BackoffDecision> {
    const [allowed, limitedBy, retryAfterMs] = await this.withRules('reserve', rules, now);
    return { allowed: Number(allowed) === 1, limitedBy: Number(limitedBy), retryAfterMs: Number(retryAfterMs) };
  }

  async fail(rules: readonly BackoffRule[], now: number): Promise<void> {
    await this.withRules('fail', rules, now);
  }

  async release(keys: readonly string[]): Promise<void> {
    await this.run(keys, 'release');
  }

  async clear(keys: readonly string[]): Promise<void> {
    await this.run(keys, 'clear');
  }

  /** Resolves true once the connection is ready, false after `timeoutMs`. */
  waitReady(timeoutMs: number): Promise<boolean> {
    return this.redis.waitReady(timeoutMs);
  }

  async close(): Promise<void> {
    this.redis.close();
  }
}
