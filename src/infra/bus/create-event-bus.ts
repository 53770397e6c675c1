import type { Config } from '../../config';
import { log } from '../../lib/logger';
import { KafkaBus } from './kafka-bus';
import { MemoryBus } from './memory-bus';
import type { EventBus } from './types';

/** Kafka when KAFKA_BROKERS is set, else the in-process bus; chosen once, at start-up. */
export async function createEventBus(config: Pick<Config, 'kafkaBrokers'>): Promise<EventBus> {
  if (!config.kafkaBrokers?.length) {
    log.info('event bus ready', { implementation: 'memory' });
    return new MemoryBus();
  }
  const bus = new KafkaBus({ brokers: config.kafkaBrokers });
  await bus.start();
  log.info('event bus ready', { implementation: 'kafka', brokers: config.kafkaBrokers, connected: bus.isConnected() });
  return bus;
}
