import { afterAll, describe, expect, test } from 'bun:test';
import { setLogLevel } from '../../lib/logger';
import type { IngestJob } from './ingest-queue';
import { KafkaBus } from './kafka-bus';
import { createKafkaIngestQueue } from './kafka-ingest-queue';

const brokers = process.env.TEST_KAFKA_BROKERS?.split(',');
if (!brokers) console.warn('TEST_KAFKA_BROKERS is not set: skipping the Kafka ingestion queue tests');
setLogLevel('silent');

const fresh = (what: string) => `test.${what}.${crypto.randomUUID().slice(0, 8)}`;

async function until(check: () => boolean, what: string, ms = 45_000) {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(50);
  }
}

describe.skipIf(!brokers)('kafka ingestion queue', () => {
  const buses: KafkaBus[] = [];
  const stops: (() => Promise<void>)[] = [];
  const bus = async () => {
    const b = new KafkaBus({ brokers: brokers!, sessionTimeoutMs: 6_000, heartbeatIntervalMs: 1_000, retryBaseMs: 50 });
    await b.start();
    buses.push(b);
    return b;
  };
  afterAll(async () => {
    for (const stop of stops) await stop();
    await Promise.all(buses.map((b) => b.close()));
  });

  test('replicas-in-one-group-share-the-jobs-and-handle-each-once', async () => {
    const topic = fresh('ingest');
    const group = fresh('ingest-group');
    const handledBy = new Map<string, string[]>();
    const replicas = await Promise.all(
      ['a', 'b'].map(async (name) => {
        const queue = createKafkaIngestQueue(await bus(), { topic, group, deadLetterTopic: fresh('dlq') });
        await queue.start(async (job) => {
          handledBy.set(job.documentId, [...(handledBy.get(job.documentId) ?? []), name]);
        });
        stops.push(() => queue.stop());
        return queue;
      }),
    );
    // Jobs are produced once the group has settled, so no rebalance moves a partition mid-job.
    await until(() => {
      const [a, b] = replicas.map((q) => q.partitions());
      return a.length > 0 && b.length > 0 && a.every((p) => !b.includes(p));
    }, 'both replicas to hold their own partitions');

    const ids = Array.from({ length: 24 }, () => crypto.randomUUID());
    for (const documentId of ids) expect(await replicas[0].enqueue({ documentId, userId: 'u', attempt: 1 })).toBe(true);
    await until(() => handledBy.size === ids.length, 'every job');
    await Bun.sleep(500);
    const twice = ids.filter((id) => handledBy.get(id)!.length !== 1).map((id) => handledBy.get(id));
    expect(twice).toEqual([]);
    const perReplica = [...handledBy.values()].flat();
    expect(perReplica).toContain('a');
    expect(perReplica).toContain('b');
  });

  test('holds-a-delayed-job-until-its-time', async () => {
    const queue = createKafkaIngestQueue(await bus(), { topic: fresh('ingest'), group: fresh('g') });
    const handled: { job: IngestJob; at: number }[] = [];
    await queue.start(async (job) => void handled.push({ job, at: Date.now() }));
    stops.push(() => queue.stop());
    const notBefore = Date.now() + 1_500;
    await queue.enqueue({ documentId: 'd1', userId: 'u', attempt: 2 }, { delayMs: 1_500 });
    await until(() => handled.length === 1, 'the delayed job');
    expect(handled[0].at).toBeGreaterThanOrEqual(notBefore);
    expect(handled[0].job.attempt).toBe(2);
  });

  test('sends-a-job-that-keeps-failing-to-the-dead-letter-topic', async () => {
    const b = await bus();
    const dlq = fresh('dlq');
    const queue = createKafkaIngestQueue(b, { topic: fresh('ingest'), group: fresh('g'), deadLetterTopic: dlq, maxDeliveries: 2 });
    let calls = 0;
    await queue.start(async () => {
      calls++;
      throw new Error('database away');
    });
    stops.push(() => queue.stop());
    const dead: unknown[] = [];
    const consumer = await b.consume(dlq, fresh('dlq-reader'), async (m) => void dead.push(m.value));
    stops.push(() => consumer.stop());
    await queue.enqueue({ documentId: 'poison', userId: 'u', attempt: 1 });
    await until(() => dead.length === 1, 'the dead letter');
    expect(calls).toBe(2);
    expect(dead[0]).toMatchObject({ value: { job: { documentId: 'poison' } }, reason: 'handler failed 2 times' });
  });
});
