import { type App, createApp } from './app';
import type { Config } from './config';
import type { AppContext } from './context';
import { openPglite, openPostgres } from './db/client';
import { createBacking } from './infra/backing';
import { log } from './lib/logger';
import { createChatRuntime } from './modules/chat/runtime';
import { sweepStaleTurns } from './modules/chat/stale-turns';
import { KeyCache } from './modules/keys/key-cache';
import { startUsageConsumer } from './modules/usage/consumer';
import { createEmbedder } from './rag/embedders';
import { createRagRuntime } from './rag/runtime';

export interface RunningServer {
  app: App;
  ctx: AppContext;
  url: string;
  shutdown(): Promise<void>;
}

/** Builds every backing implementation once; each concern's choice is logged at start-up. */
export async function createContext(config: Config): Promise<AppContext> {
  const database = config.databaseUrl ? openPostgres(config.databaseUrl) : openPglite(`${config.dataDir}/pglite`);
  await database.migrate();
  log.info('database ready', { implementation: database.kind });
  const backing = await createBacking(config);
  const bus = backing.bus;
  const rag = await createRagRuntime(config, database, createEmbedder(config), bus);
  const runtime = createChatRuntime(config, database, { ...backing.runtime, embedder: rag.embedder });
  const usage = await startUsageConsumer(bus, database.db);
  const closers = [
    usage.flush,
    sweepStaleTurns(database),
    () => backing.close(),
    () => rag.close(),
    () => runtime.streams.close(),
    () => runtime.rateLimitStore.close(),
  ];
  return {
    config,
    database,
    lifecycle: { draining: false, closers },
    keys: new KeyCache(database.db),
    bus,
    redis: backing.redis,
    ingestion: rag.ingestion,
    scheduler: rag.scheduler,
    ...runtime,
  };
}

export async function startServer(config: Config): Promise<RunningServer> {
  const ctx = await createContext(config);
  const app = createApp(ctx).listen({ port: config.port, hostname: config.host });
  const server = app.server!;
  const url = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${server.port}`;
  log.info('listening', {
    url,
    implementations: { database: ctx.database.kind, rateLimits: ctx.rateLimitStore.kind, streams: ctx.streams.kind, bus: ctx.bus.kind },
  });
  let shuttingDown: Promise<void> | undefined;
  const shutdown = () => (shuttingDown ??= drain(ctx, server, config.shutdownTimeoutMs));
  return { app, ctx, url, shutdown };
}

/**
 * Graceful stop: readiness turns false, no new connections are accepted, in-flight requests
 * finish (up to the timeout), then background work and pools close.
 */
async function drain(ctx: AppContext, server: NonNullable<App['server']>, timeoutMs: number): Promise<void> {
  ctx.lifecycle.draining = true;
  log.info('draining', { inFlight: server.pendingRequests });
  const stopped = server.stop(false);
  const deadline = Date.now() + timeoutMs;
  while ((server.pendingRequests > 0 || server.pendingWebSockets > 0) && Date.now() < deadline) {
    await Bun.sleep(20);
  }
  if (server.pendingRequests > 0 || server.pendingWebSockets > 0) {
    log.warn('shutdown timeout; closing remaining connections', { pending: server.pendingRequests });
    await server.stop(true);
  } else await stopped;
  for (const close of [...ctx.lifecycle.closers].reverse()) {
    await close().catch((error) => log.error('close failed', { error }));
  }
  await ctx.database.close();
  log.info('stopped');
}
