import { Counter, Gauge } from 'prom-client';
import { registry } from '../../lib/metrics';

export const kafkaProduceErrors = new Counter({
  name: 'confab_kafka_produce_errors_total',
  help: 'Events that could not be published to Kafka, by topic',
  labelNames: ['topic'] as const,
  registers: [registry],
});

export const kafkaConsumerLag = new Gauge({
  name: 'confab_kafka_consumer_lag',
  help: 'Messages behind the end of the partition after the last handled one, by consumer group',
  labelNames: ['topic', 'partition', 'group'] as const,
  registers: [registry],
});

export const kafkaUp = new Gauge({
  name: 'confab_kafka_up',
  help: '1 while the last Kafka publish or connection attempt succeeded, else 0 (absent without KAFKA_BROKERS)',
  labelNames: ['client'] as const,
  registers: [registry],
});
