import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createScheduler, type Scheduler } from '../scheduler/index';
import type { Config } from './config';
import type { AppContext } from './context';
import { type Database, openPostgres, pgliteDatabase } from './db/client';
import { type EarlyStart, startEarly } from './early-start';
import { type BackoffStore, MemoryBackoffStore, RedisBackoffStore } from './infra/backoff';
import { type Broadcast, MemoryBroadcast, RedisBroadcast } from './infra/broadcast';
import { KafkaBus } from './infra/bus/kafka-bus';
import { MemoryBus } from './infra/bus/memory-bus';
import type { EventBus } from './infra/bus/types';
import { MemoryQuotaStore, type QuotaStore, RedisQuotaStore } from './infra/quota';
import { MemoryRateLimitStore, type RateLimitStore, RedisRateLimitStore } from './infra/rate-limit';
import { createRedis, describeRedisUrl } from './infra/redis/client';
import { MemoryStreamHub, type StreamHub } from './infra/stream-hub';
import { RedisStreamHub } from './infra/stream-hub/redis-stream-hub';
import { clientAddressResolver } from './lib/client-address';
import { log, setLogLevel } from './lib/logger';
import { createSecretBox, readOrCreateKeyFile, type SecretBox } from './lib/secret-box';
import { MCP_SERVERS_CHANNEL, McpHub } from './mcp/hub';
import { createLoginThrottle } from './modules/auth/login-throttle';
import { createOidcClient, type OidcClient } from './modules/auth/oidc-client';
import { createRevocations } from './modules/auth/revocation';
import { createSignupThrottle } from './modules/auth/signup-throttle';
import { trustedHeaderIdentity } from './modules/auth/trusted-header';
import { createChatRuntime } from './modules/chat/runtime';
import { createStaleTurnSweep } from './modules/chat/stale-turns';
import { createRuntimeSync } from './modules/connections/runtime-sync';
import { KeyCache } from './modules/keys/key-cache';
import { resealMcpOAuthSecrets } from './modules/mcp-oauth/client-provider';
import { userAuthOf } from './modules/mcp-oauth/service';
import { loadSpecs, resealMcpServerSecrets } from './modules/mcp-servers/service';
import { createUserSettingsCache } from './modules/preferences/user-settings-cache';
import { createUsageConsumer } from './modules/usage/consumer';
import type { LoggedFrame } from './modules/ws/model';
import { extendRegistry } from './plugins';
import { createRouter, type Router } from './providers/router';
import { CPU_HANDLERS_PATH } from './rag/cpu-handlers';
import { createOfflineEmbedder, createOpenAIEmbedder, type Embedder } from './rag/embedders';
import { createIngestion } from './rag/ingestion';
import { offThreadEmbedder, schedulerRunner } from './rag/scheduler-runner';

/** What a caller supplies instead of what the config would build; production supplies nothing. */
export interface ContextOverrides {
  /** An open, migrated database; its owner closes it. */
  database?: Database;
  router?: Router;
  streams?: StreamHub<LoggedFrame>;
  rateLimitStore?: RateLimitStore;
  /** Where failed-login counts live. */
  backoffStore?: BackoffStore;
  /**
   * A scheduler that outlives this context: used as it is and never closed here. The test harness
   * shares one per process because each pool of Bun Workers costs about 200 ms to start and 75 MB
   * of memory, which tests would never give back (they do not shut their harnesses down).
   */
  scheduler?: Scheduler;
  /** The relying party for the configured OpenID provider (tests give one whose clock runs elsewhere). */
  oidc?: OidcClient;
}

export interface ComposedContext {
  ctx: AppContext;
  /**
   * Settles once the database is migrated, the shared services were reached (or found away: the
   * process then starts degraded and heals) and background work runs. Rejects if start-up fails.
   */
  started: Promise<void>;
  /**
   * Runs the closers in reverse order of registration, then closes the database if it opened it and
   * gives up the data directory.
   */
  close(): Promise<void>;
}

const REDIS_STARTUP_WAIT_MS = 3_000;
const DEFAULT_EMBEDDING_MODEL = { openai: 'text-embedding-3-small', local: 'nomic-embed-text' };

/**
 * The composition root: the only place that picks an implementation for each concern (embedded by
 * default, shared when configured) and wires the application from it. Everything is built at once,
 * so the context exists before anything has connected; `started` says when it is ready to serve.
 * It stays one function so that every choice reads in one place.
 */
export function createContext(config: Config, overrides: ContextOverrides = {}, early?: EarlyStart): ComposedContext {
  setLogLevel(config.logLevel);
  const { redisUrl, kafkaBrokers } = config;
  // The data dir's lock and the embedded database: begun by the caller before this module loaded, or
  // now. Only the embedded database needs the lock.
  const { dataDirLock, pglite }: EarlyStart = overrides.database ? {} : (early ?? startEarly(config));
  const database = overrides.database ?? (pglite ? pgliteDatabase(pglite) : openPostgres(config.databaseUrl!));
  // One Redis connection carries the rate-limit buckets, the login backoff, the quota counters and the stream hub.
  const redis = redisUrl ? createRedis(redisUrl) : undefined;
  const kafka = kafkaBrokers?.length ? new KafkaBus({ brokers: kafkaBrokers }) : undefined;
  const bus: EventBus = kafka ?? new MemoryBus();
  const rateLimitStore = overrides.rateLimitStore ?? (redis ? new RedisRateLimitStore(redis.client) : new MemoryRateLimitStore());
  // Limits fail open to this process's own buckets while a shared store cannot answer.
  const rateLimitFallback = rateLimitStore.kind === 'memory' ? rateLimitStore : new MemoryRateLimitStore();
  const backoffStore = overrides.backoffStore ?? (redis ? new RedisBackoffStore(redis.client) : new MemoryBackoffStore());
  // Like rate limits, login backoff fails open to this process's own counts.
  const backoffFallback = backoffStore.kind === 'memory' ? backoffStore : new MemoryBackoffStore();
  const quotaStore: QuotaStore = redis ? new RedisQuotaStore(redis.client) : new MemoryQuotaStore();
  // Quotas fail open the same way, to counters this process starts from the database.
  const quotaFallback = quotaStore.kind === 'memory' ? quotaStore : new MemoryQuotaStore();
  const streams = overrides.streams ?? (redis ? new RedisStreamHub<LoggedFrame>(redis) : new MemoryStreamHub<LoggedFrame>());
  // Revocations reach every replica through the stream hub's control channel (Redis pub/sub when shared).
  const revocations = createRevocations(streams);
  const keys = new KeyCache(database.db);
  revocations.subscribe((revocation) => keys.forget(revocation));
  // Replicas hear of changed connections and model settings over Redis; alone, nobody needs telling.
  const broadcast: Broadcast = redis ? new RedisBroadcast(redis) : new MemoryBroadcast();
  const secrets = secretBoxFor(config);
  // Its workers start with the first document or search that needs them: none at idle.
  const scheduler =
    overrides.scheduler ?? createScheduler({ handlers: CPU_HANDLERS_PATH, workers: config.schedulerWorkers, onDemand: true });
  const embedder = configuredEmbedder(config);
  const ingestion = createIngestion({
    database,
    embedder,
    queue: bus.ingestQueue(),
    dataDir: config.dataDir,
    runCpu: schedulerRunner(scheduler, 'background'),
    language: config.textSearchLanguage,
  });
  const router = overrides.router ?? createRouter(config.providers);
  const runtimeSync = createRuntimeSync({ db: database.db, router, secrets: secrets.box, broadcast });
  const chat = createChatRuntime(config, database, {
    router,
    rateLimitStore,
    rateLimitFallback,
    quotaStore,
    quotaFallback,
    streams,
    // A user waits for a query's embedding; ingestion's can wait behind it.
    embedder: offThreadEmbedder(embedder, schedulerRunner(scheduler, 'interactive')),
  });
  const mcp = new McpHub(
    async () =>
      (await loadSpecs(database.db, secrets.box, (name) => log.error('mcp server credentials unreadable', { server: name }))).filter(
        (spec) => config.mcp.stdio || spec.transport !== 'stdio',
      ),
    config.mcp,
    userAuthOf({ db: database.db, secrets: secrets.box }),
  );
  chat.plugins.registry = extendRegistry(
    chat.plugins.registry,
    () => mcp.plugins(),
    (userId) => mcp.warm({ waitForRetries: false, userId }),
  );
  broadcast.subscribe(MCP_SERVERS_CHANNEL, () => void mcp.reload().catch((error) => log.error('mcp reload failed', { error })));
  const usage = createUsageConsumer(bus, database.db);
  const sweep = createStaleTurnSweep(database);
  // Closed last to first: the stores, then ingestion and its workers, then the connections (the
  // bus first delivers what it still holds), and last the usage batch those deliveries filled.
  const closers = [
    usage.flush,
    sweep.stop,
    async () => {
      await redis?.close();
      await bus.close();
    },
    async () => {
      await ingestion.stop();
      if (!overrides.scheduler) await scheduler.close();
    },
    () => streams.close(),
    () => rateLimitStore.close(),
    () => backoffStore.close(),
    () => broadcast.close(),
    runtimeSync.stop,
    () => quotaStore.close(),
    () => mcp.close(),
  ];
  const clientAddress = clientAddressResolver(config.trustedProxies);
  const ctx: AppContext = {
    config,
    database,
    lifecycle: { draining: false, closers },
    keys,
    revocations,
    loginThrottle: createLoginThrottle({ store: backoffStore, fallback: backoffFallback }),
    oidc: overrides.oidc ?? (config.oidc && createOidcClient(config.oidc)),
    signupThrottle: createSignupThrottle({ store: rateLimitStore, fallback: rateLimitFallback, perHour: config.signupRatePerHour }),
    clientAddress,
    trustedHeader: trustedHeaderIdentity({ config, database, revocations, limits: chat.limits, clientAddress }),
    bus,
    redis,
    ingestion,
    scheduler,
    secrets: secrets.box,
    broadcast,
    runtimeSync,
    mcp,
    userSettings: createUserSettingsCache(database, broadcast),
    ...chat,
  };

  async function start(): Promise<void> {
    if (!overrides.database) await database.migrate();
    await kafka?.start();
    const redisReady = await redis?.waitReady(REDIS_STARTUP_WAIT_MS);
    if (redisUrl && !redisReady) log.warn('redis not reachable yet; starting degraded and retrying', { at: describeRedisUrl(redisUrl) });
    await runtimeSync.start();
    const resealed = await resealMcpServerSecrets(database.db, secrets.box);
    if (resealed) log.info('mcp server credentials sealed again under the current secret key', { count: resealed });
    const resealedAccounts = await resealMcpOAuthSecrets(database.db, secrets.box);
    if (resealedAccounts) log.info("users' mcp oauth credentials sealed again under the current secret key", { count: resealedAccounts });
    await mcp.reload({ warm: false });
    void mcp.warm();
    await scheduler.ready();
    await ingestion.start();
    await usage.start();
    sweep.start();
    log.info('backing services', {
      database: { implementation: database.kind },
      eventBus: { implementation: bus.kind, brokers: kafkaBrokers, connected: kafka?.isConnected() },
      rateLimits: { implementation: rateLimitStore.kind },
      loginBackoff: { implementation: backoffStore.kind },
      quotas: { implementation: quotaStore.kind },
      streams: { implementation: streams.kind },
      redis: redisUrl && { at: describeRedisUrl(redisUrl), ready: redisReady },
      embedder: { model: embedder.model },
      credentials: { sealedWith: secrets.source, replicaChanges: broadcast.kind },
      scheduler: { workers: scheduler.stats().workers },
    });
  }

  return {
    ctx,
    started: start(),
    async close() {
      for (const close of [...ctx.lifecycle.closers].reverse()) await close().catch((error) => log.error('close failed', { error }));
      if (!overrides.database) await database.close();
      dataDirLock?.release();
    },
  };
}

/**
 * The box sealing stored credentials: under SECRET_KEY, or under a key generated into DATA_DIR on
 * first start. A generated key still opens what it sealed after SECRET_KEY is set, and every value
 * is then sealed again under SECRET_KEY (as under SECRET_KEY_PREVIOUS).
 */
function secretBoxFor(config: Pick<Config, 'secrets' | 'dataDir' | 'databaseUrl'>): { box: SecretBox; source: string } {
  const file = join(config.dataDir, 'secret.key');
  const { key, previousKeys } = config.secrets;
  if (key) {
    const previous = existsSync(file) ? [...previousKeys, readOrCreateKeyFile(file).key] : previousKeys;
    return { box: createSecretBox(key, previous), source: 'SECRET_KEY' };
  }
  const generated = readOrCreateKeyFile(file);
  if (generated.created) log.info('generated the key that seals stored credentials', { file });
  if (config.databaseUrl)
    log.warn('SECRET_KEY is not set: replicas sharing this database must share DATA_DIR, or set one SECRET_KEY', { file });
  return { box: createSecretBox(generated.key, previousKeys), source: 'DATA_DIR' };
}

/** The embedder the configuration names; the built-in offline one unless a provider is chosen. */
function configuredEmbedder(config: Pick<Config, 'embeddings' | 'providers'>): Embedder {
  const { provider, model } = config.embeddings;
  const { openai, local } = config.providers;
  if (provider === 'openai' && openai) {
    return createOpenAIEmbedder({
      provider: 'openai',
      model: model ?? DEFAULT_EMBEDDING_MODEL.openai,
      apiKey: openai.apiKey,
      baseURL: openai.baseURL,
    });
  }
  if (provider === 'local' && local) {
    return createOpenAIEmbedder({ provider: 'local', model: model ?? DEFAULT_EMBEDDING_MODEL.local, baseURL: local.baseURL });
  }
  return createOfflineEmbedder();
}
