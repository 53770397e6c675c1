// A usage consumer that dies (SIGKILL) right after its handler wrote the row and before the
// offset could be committed: the crash the at-least-once contract has to survive.
import { openPostgres } from '../../../db/client';
import { setLogLevel } from '../../../lib/logger';
import { recordUsage } from '../../../modules/usage/service';
import { KafkaBus } from '../kafka-bus';
import type { UsageEvent } from '../types';

setLogLevel('silent');
const [brokers, topic, group, databaseUrl] = process.argv.slice(2);
const database = openPostgres(databaseUrl, 1);
await database.migrate();
const bus = new KafkaBus({ brokers: brokers.split(','), sessionTimeoutMs: 6_000, heartbeatIntervalMs: 1_000 });
await bus.subscribe<UsageEvent>(topic, group, async ({ value }) => {
  await recordUsage(database.db, value);
  process.stdout.write(`recorded ${value.requestId}\n`);
  process.kill(process.pid, 'SIGKILL');
});
