import { type App, createApp } from './app';
import type { Config } from './config';
import type { AppContext } from './context';
import { type ComposedContext, createContext } from './create-context';
import type { EarlyStart } from './early-start';
import { log } from './lib/logger';

export interface RunningServer {
  app: App;
  ctx: AppContext;
  url: string;
  shutdown(): Promise<void>;
}

/** `early`: what src/index.ts began before loading this module (see src/early-start.ts). */
export async function startServer(config: Config, early?: EarlyStart): Promise<RunningServer> {
  const root = createContext(config, {}, early);
  await root.started;
  // Elysia asks for SO_REUSEPORT unless told not to; a second server on a taken port must fail
  // instead of silently splitting the traffic.
  const app = createApp(root.ctx).listen({ port: config.port, hostname: config.host, reusePort: config.reusePort });
  const server = app.server!;
  const url = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${server.port}`;
  log.info('listening', { url });
  let shuttingDown: Promise<void> | undefined;
  const shutdown = () => (shuttingDown ??= drain(root, server, config.shutdownTimeoutMs));
  return { app, ctx: root.ctx, url, shutdown };
}

/**
 * Graceful stop: readiness turns false at once, in-flight requests and streams finish (up to the
 * timeout), then the listener closes and background work and pools stop. The listener stays open
 * until then so that a load balancer's probe reads `/ready`'s 503 and stops sending, instead of
 * meeting a closed port while answers are still streaming.
 */
async function drain(root: ComposedContext, server: NonNullable<App['server']>, timeoutMs: number): Promise<void> {
  root.ctx.lifecycle.draining = true;
  log.info('draining', { inFlight: server.pendingRequests });
  const busy = () => server.pendingRequests > 0 || server.pendingWebSockets > 0;
  const deadline = Date.now() + timeoutMs;
  while (busy() && Date.now() < deadline) {
    await Bun.sleep(20);
  }
  if (busy()) {
    log.warn('shutdown timeout; closing remaining connections', { pending: server.pendingRequests });
    await server.stop(true);
  } else await server.stop(false);
  await root.close();
  log.info('stopped');
}
