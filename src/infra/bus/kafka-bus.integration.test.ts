import { afterAll, describe, expect, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import { openPostgres } from '../../db/client';
import { usageLogs, users } from '../../db/schema';
import { setLogLevel } from '../../lib/logger';
import { recordUsage } from '../../modules/usage/service';
import { createScratchDatabase } from '../../testing/databases';
import { KafkaBus } from './kafka-bus';
import type { BusMessage, UsageEvent } from './types';

const brokers = process.env.TEST_KAFKA_BROKERS?.split(',');
const databaseUrl = process.env.TEST_DATABASE_URL;
if (!brokers) console.warn('TEST_KAFKA_BROKERS is not set: skipping the Kafka bus tests');
else if (!databaseUrl) console.warn('TEST_DATABASE_URL is not set: skipping the Kafka crash-before-commit test');
setLogLevel('silent');

// librdkafka's mock broker lets a replacement member in only after the old one's session timeout.
const busOptions = () => ({ brokers: brokers!, sessionTimeoutMs: 6_000, heartbeatIntervalMs: 1_000, retryBaseMs: 50 });
const fresh = (what: string) => `test.${what}.${crypto.randomUUID().slice(0, 8)}`;

async function until(check: () => boolean | Promise<boolean>, what: string, ms = 45_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(50);
  }
}

describe.skipIf(!brokers)('kafka event bus', () => {
  const buses: KafkaBus[] = [];
  const open = async () => {
    const bus = new KafkaBus(busOptions());
    await bus.start();
    buses.push(bus);
    return bus;
  };
  afterAll(async () => {
    await Promise.all(buses.map((b) => b.close()));
  });

  test('delivers-every-event-in-order-per-key-and-resumes-after-the-committed-offset', async () => {
    const topic = fresh('order');
    const group = fresh('group');
    const first = await open();
    for (let i = 0; i < 10; i++) await first.publish(topic, `k${i % 2}`, { i });
    const got: BusMessage<{ i: number }>[] = [];
    const consumer = await first.consume<{ i: number }>(topic, group, async (m) => void got.push(m));
    await until(() => got.length === 10, 'first ten events');
    for (const key of ['k0', 'k1']) {
      const seq = got.filter((m) => m.key === key).map((m) => m.value.i);
      expect(seq).toEqual([...seq].sort((a, b) => a - b));
    }
    await consumer.stop();

    const second = await open();
    await second.publish(topic, 'k0', { i: 10 });
    const later: number[] = [];
    await second.consume<{ i: number }>(topic, group, async (m) => void later.push(m.value.i));
    await until(() => later.length >= 1, 'the event after the commit');
    await Bun.sleep(500);
    expect(later).toEqual([10]);
  });

  test('retries-until-handled', async () => {
    const topic = fresh('retry');
    const bus = await open();
    const attempts: number[] = [];
    await bus.consume<{ n: number }>(topic, fresh('group'), async (m) => {
      attempts.push(m.attempt);
      if (m.attempt < 3) throw new Error('not yet');
    });
    await bus.publish(topic, 'k', { n: 1 });
    await until(() => attempts.length === 3, 'three attempts');
    expect(attempts).toEqual([1, 2, 3]);
  });

  test('fails-fast-with-a-retryable-503-when-the-broker-is-unreachable', async () => {
    const bus = new KafkaBus({ brokers: ['127.0.0.1:1'], publishTimeoutMs: 1_000 });
    buses.push(bus);
    const error = await bus.publish('chat.events', 'k', {}).catch((e) => e);
    expect(error.code).toBe('event_bus_unavailable');
    expect(error.status).toBe(503);
    expect(error.retryable).toBe(true);
    expect(bus.isConnected()).toBe(false);
  });

  test.skipIf(!databaseUrl)('redelivers-and-applies-once-after-a-crash-between-work-and-commit', async () => {
    const scratch = await createScratchDatabase(databaseUrl!);
    const database = openPostgres(scratch.url, 2);
    await database.migrate();
    try {
      const [user] = await database.db.insert(users).values({ email: 'u@example.com', passwordHash: 'x' }).returning();
      const topic = fresh('usage');
      const group = fresh('usage-writer');
      const event: UsageEvent = {
        requestId: crypto.randomUUID(),
        userId: user.id,
        model: 'offline',
        provider: 'offline',
        promptTokens: 3,
        completionTokens: 5,
        latencyMs: 12,
        status: 'ok',
        at: new Date().toISOString(),
      };
      const bus = await open();
      await bus.publish(topic, user.id, event);

      const child = Bun.spawn(
        ['bun', `${import.meta.dir}/__fixtures__/crash-before-commit.ts`, brokers!.join(','), topic, group, scratch.url],
        {
          stdout: 'pipe',
          stderr: 'inherit',
        },
      );
      const output = await new Response(child.stdout).text();
      expect(await child.exited).not.toBe(0);
      expect(output).toContain(`recorded ${event.requestId}`);

      const redelivered: string[] = [];
      await bus.consume<UsageEvent>(topic, group, async ({ value }) => {
        redelivered.push(value.requestId);
        await recordUsage(database.db, value);
      });
      await until(() => redelivered.length > 0, 'the redelivery');
      expect(redelivered).toEqual([event.requestId]);
      const rows = await database.db.select().from(usageLogs).where(eq(usageLogs.requestId, event.requestId));
      expect(rows.length).toBe(1);
    } finally {
      await database.close();
      await scratch.drop();
    }
  });
});
