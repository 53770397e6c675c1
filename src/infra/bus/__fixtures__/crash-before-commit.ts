// A usage consumer that dies (SIGKILL) right after its handler wrote the row and before the
// offset could be committed: the crash the at-least-once contract has to survive.
import { openDatabase } from '../../../db/client';
import { setLogLevel } from '../../../lib/logger';
import { recordUsage } from '../../../modules/usage/service';
import { KafkaBus } from '../kafka-bus';
import type { UsageEvent } from '../types';

setLogLevel('silent');
const { BROKERS, TOPIC, GROUP, DATABASE_URL } = process.env;
const database = await openDatabase({ url: DATABASE_URL!, poolSize: 1 });
const bus = new KafkaBus({ brokers: BROKERS!.split(','), sessionTimeoutMs: 6_000, heartbeatIntervalMs: 1_000 });
await bus.subscribe<UsageEvent>(TOPIC!, GROUP!, async ({ value }) => {
  await recordUsage(database.db, value);
  process.stdout.write(`recorded ${value.requestId}\n`);
  process.kill(process.pid, 'SIGKILL');
});
