import { type Config, ConfigError, loadConfig } from './config';
import { DataDirInUseError } from './db/data-dir-lock';
import { type EarlyStart, startEarly } from './early-start';
import { log } from './lib/logger';

let config: Config;
try {
  config = loadConfig();
} catch (e) {
  if (e instanceof ConfigError) {
    process.stderr.write(`confab: ${e.message}\n`);
    process.exit(1);
  }
  throw e;
}

function refuseInUse(e: unknown): never {
  if (e instanceof DataDirInUseError) {
    process.stderr.write(`confab: ${e.message}\n`);
    process.exit(1);
  }
  throw e;
}

// The embedded database starts on its own thread first and comes up while the server's modules load.
let early: EarlyStart;
try {
  early = startEarly(config);
} catch (e) {
  refuseInUse(e);
}
const { startServer } = await import('./server');
const server = await startServer(config, early).catch(refuseInUse);

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    log.info('signal received', { signal });
    server.shutdown().then(
      () => process.exit(0),
      (error) => {
        log.error('shutdown failed', { error });
        process.exit(1);
      },
    );
  });
}

process.on('unhandledRejection', (error) => log.error('unhandled rejection', { error }));
process.on('uncaughtException', (error) => log.error('uncaught exception', { error }));
