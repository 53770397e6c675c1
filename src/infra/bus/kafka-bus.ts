import type { Kafka, Producer } from 'kafkajs';
import { AppError } from '../../lib/errors';
import { log } from '../../lib/logger';
import type { IngestQueue } from './ingest-queue';
import { type ConsumerOptions, type Consumption, startConsumer } from './kafka-consumer';
import { createKafkaIngestQueue } from './kafka-ingest-queue';
import { kafkaLogCreator } from './kafka-log';
import { kafkaProduceErrors, kafkaUp } from './kafka-metrics';
import { type BusHandler, type EventBus, TOPICS, type Topic } from './types';

export interface KafkaBusOptions {
  brokers: string[];
  clientId?: string;
  /** Partitions for topics this bus creates (when the broker lets it). */
  partitions?: number;
  /** How long a publish may take before it is reported as failed. */
  publishTimeoutMs?: number;
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
}

const PROBE_INTERVAL_MS = 5_000;
const PRODUCER_RETRY = { retries: 3, initialRetryTime: 100, maxRetryTime: 1_000 };

/**
 * The event bus over Kafka: publishes wait for acks from all in-sync replicas, consumers commit
 * each offset only after the handler returned, and a handler that throws gets the event again.
 * Kafka being away never stops the process: publishes fail fast (and are counted), consumers
 * keep retrying in the background.
 */
export class KafkaBus implements EventBus {
  readonly kind = 'kafka' as const;
  private readonly kafka: Kafka;
  private readonly consumerOpts: Omit<ConsumerOptions, 'concurrency'>;
  private readonly consumptions = new Set<Consumption>();
  private producer?: Producer;
  private connecting?: Promise<Producer>;
  /** Brokers without a transaction coordinator (e.g. librdkafka's mock) cannot give producer ids. */
  private idempotent = true;
  private healthy = false;
  private probe?: ReturnType<typeof setInterval>;

  constructor(private readonly opts: KafkaBusOptions) {
    // kafkajs loads here, with a bus configured: a server without KAFKA_BROKERS never pays for it.
    const { Kafka: KafkaClient } = require('kafkajs') as typeof import('kafkajs');
    this.kafka = new KafkaClient({
      clientId: opts.clientId ?? 'confab',
      brokers: opts.brokers,
      connectionTimeout: 2_000,
      requestTimeout: 10_000,
      logCreator: kafkaLogCreator,
      retry: PRODUCER_RETRY,
    });
    this.consumerOpts = {
      sessionTimeoutMs: opts.sessionTimeoutMs ?? 30_000,
      heartbeatIntervalMs: opts.heartbeatIntervalMs ?? 3_000,
      retryBaseMs: opts.retryBaseMs ?? 200,
      retryMaxMs: opts.retryMaxMs ?? 30_000,
    };
    kafkaUp.set({ client: 'producer' }, 0);
  }

  /** Creates the application topics if the broker allows it, and connects the producer. */
  async start(): Promise<void> {
    await this.createTopics();
    await this.connectProducer().catch((error) => log.warn('kafka producer not connected yet', { reason: error.message }));
    // Without traffic nothing would notice Kafka coming back; while it is down, look every few seconds.
    this.probe = setInterval(() => void this.checkBroker(), PROBE_INTERVAL_MS);
    this.probe.unref?.();
  }

  private async checkBroker(): Promise<void> {
    if (this.healthy) return;
    const admin = this.kafka.admin();
    try {
      await admin.connect();
      await admin.listTopics();
      await this.connectProducer();
      this.setHealthy(true);
      log.info('kafka reachable again');
    } catch {
      // Still away; the next probe tries again.
    } finally {
      await admin.disconnect().catch(() => {});
    }
  }

  /** True while the last publish or connection attempt succeeded. */
  isConnected(): boolean {
    return this.healthy;
  }

  async publish<T>(topic: Topic, key: string, value: T): Promise<void> {
    const message = { key, value: JSON.stringify(value) };
    try {
      const producer = await this.connectProducer();
      await withTimeout(producer.send({ topic, acks: -1, messages: [message] }), this.opts.publishTimeoutMs ?? 5_000);
      this.setHealthy(true);
    } catch (error) {
      kafkaProduceErrors.inc({ topic });
      this.setHealthy(false);
      throw new AppError('event_bus_unavailable', { internal: 'The event log (Kafka) is not reachable', cause: error });
    }
  }

  async subscribe<T>(topic: Topic, group: string, handler: BusHandler<T>): Promise<void> {
    await this.consume(topic, group, handler);
  }

  /** Like `subscribe`, with a handle to leave the group again. */
  async consume<T>(topic: Topic, group: string, handler: BusHandler<T>, opts: { concurrency?: number } = {}): Promise<Consumption> {
    const consumption = startConsumer(this.kafka, topic, group, handler as BusHandler, {
      ...this.consumerOpts,
      concurrency: opts.concurrency ?? 1,
    });
    this.consumptions.add(consumption);
    return {
      partitions: () => consumption.partitions(),
      stop: async () => {
        this.consumptions.delete(consumption);
        await consumption.stop();
      },
    };
  }

  /** Jobs on `ingest.jobs`, shared by every replica through one consumer group. */
  ingestQueue(): IngestQueue {
    return createKafkaIngestQueue(this);
  }

  async close(): Promise<void> {
    clearInterval(this.probe);
    await Promise.all([...this.consumptions].map((c) => c.stop()));
    this.consumptions.clear();
    await this.producer?.disconnect().catch(() => {});
    this.producer = undefined;
    this.setHealthy(false);
  }

  private setHealthy(ok: boolean) {
    this.healthy = ok;
    kafkaUp.set({ client: 'producer' }, ok ? 1 : 0);
  }

  private connectProducer(): Promise<Producer> {
    if (this.producer) return Promise.resolve(this.producer);
    this.connecting ??= this.openProducer().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async openProducer(): Promise<Producer> {
    if (this.idempotent) {
      const producer = this.newProducer(true);
      try {
        await producer.connect();
        return this.adopt(producer);
      } catch (error) {
        await producer.disconnect().catch(() => {});
        const plain = this.newProducer(false);
        await plain.connect();
        this.idempotent = false;
        log.info('kafka broker gives no producer ids; publishing with acks from all replicas, not idempotent', {
          reason: (error as Error).message,
        });
        return this.adopt(plain);
      }
    }
    const producer = this.newProducer(false);
    await producer.connect();
    return this.adopt(producer);
  }

  private newProducer(idempotent: boolean): Producer {
    return this.kafka.producer({
      idempotent,
      maxInFlightRequests: idempotent ? 1 : undefined,
      allowAutoTopicCreation: true,
      createPartitioner: (require('kafkajs') as typeof import('kafkajs')).Partitioners.DefaultPartitioner,
      retry: PRODUCER_RETRY,
    });
  }

  private adopt(producer: Producer): Producer {
    this.producer = producer;
    this.setHealthy(true);
    producer.on(producer.events.DISCONNECT, () => {
      if (this.producer === producer) this.producer = undefined;
    });
    return producer;
  }

  private async createTopics(): Promise<void> {
    const admin = this.kafka.admin();
    try {
      await admin.connect();
      const topics = Object.values(TOPICS).map((topic) => ({ topic, numPartitions: this.opts.partitions ?? 6 }));
      await admin.createTopics({ topics, waitForLeaders: true, timeout: 5_000 });
    } catch (error) {
      // Managed brokers often forbid topic creation; the topics are then expected to exist.
      log.warn('kafka topics not created by us; expecting them to exist', { reason: (error as Error).message });
    } finally {
      await admin.disconnect().catch(() => {});
    }
  }
}

async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no acknowledgement within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
