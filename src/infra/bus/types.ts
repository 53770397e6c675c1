import type { IngestQueue } from './ingest-queue';

/**
 * The event log. Embedded: an in-process bus (`memory-bus.ts`); with KAFKA_BROKERS: Kafka.
 * Both give the same semantics: each consumer group sees every event of a topic at least once,
 * in order per key; a handler that throws gets the event again (so handlers must be idempotent);
 * an event is acknowledged (committed) only after its handler returned.
 */
export const TOPICS = {
  chatEvents: 'chat.events',
  usageEvents: 'usage.events',
  ingestJobs: 'ingest.jobs',
  ingestDlq: 'ingest.dlq',
} as const;
export type Topic = (typeof TOPICS)[keyof typeof TOPICS] | (string & {});

export interface BusMessage<T = unknown> {
  topic: Topic;
  key: string;
  value: T;
  /** Delivery attempt, starting at 1. */
  attempt: number;
}

export type BusHandler<T = unknown> = (message: BusMessage<T>) => Promise<void>;

export interface EventBus {
  readonly kind: 'memory' | 'kafka';
  /** Resolves once the event is durably accepted (Kafka: acks from all in-sync replicas). */
  publish<T>(topic: Topic, key: string, value: T): Promise<void>;
  /** Starts a consumer in `group`; replicas using the same group share the work. */
  subscribe<T>(topic: Topic, group: string, handler: BusHandler<T>): Promise<void>;
  /** Where ingestion jobs travel: over this bus's transport, so replicas sharing the bus share the jobs. */
  ingestQueue(): IngestQueue;
  close(): Promise<void>;
}

/** One LLM call, published by the chat layer; the usage consumer writes it to usage_logs. */
export interface UsageEvent {
  requestId: string;
  userId: string;
  apiKeyId?: string | null;
  conversationId?: string | null;
  model: string;
  provider: string;
  promptTokens: number;
  completionTokens: number;
  latencyMs: number;
  ttftMs?: number | null;
  status: 'ok' | 'error' | 'cancelled';
  costUsd?: number | null;
  at: string;
}

/** A chat turn's lifecycle, for analytics and audit consumers. */
export interface ChatEvent {
  type: 'turn.started' | 'turn.completed' | 'turn.failed';
  requestId: string;
  userId: string;
  conversationId: string;
  model?: string;
  finishReason?: string;
  error?: string;
  at: string;
}
