import { KafkaBus } from '../infra/bus/kafka-bus';
import type { EventBus } from '../infra/bus/types';
import { log } from '../lib/logger';
import { createMemoryIngestQueue, type IngestQueue } from './ingest-queue';
import { createKafkaIngestQueue } from './kafka-ingest-queue';

/** Jobs travel over Kafka when the bus is Kafka (replicas share them), else in this process. */
export function createIngestQueue(bus: EventBus): IngestQueue {
  const queue = bus instanceof KafkaBus ? createKafkaIngestQueue(bus) : createMemoryIngestQueue();
  log.info('ingestion queue ready', { implementation: bus.kind });
  return queue;
}
