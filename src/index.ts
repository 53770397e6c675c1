import { type Config, ConfigError, loadConfig } from './config';
import { DataDirInUseError } from './db/data-dir-lock';
import { log } from './lib/logger';
import { startServer } from './server';

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

const server = await startServer(config).catch((e) => {
  if (e instanceof DataDirInUseError) {
    process.stderr.write(`confab: ${e.message}\n`);
    process.exit(1);
  }
  throw e;
});

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
