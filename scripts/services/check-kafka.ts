// Checks that the broker in TEST_KAFKA_BROKERS does what the test suite relies on:
// produce with acks from all replicas, consume in a group, commit, and resume from the
// committed offset after the consumer is replaced, on a topic the broker creates on first use.
// usage: bun scripts/services/check-kafka.ts [topic]
import { type Consumer, Kafka, logLevel } from 'kafkajs';

const brokers = (process.env.TEST_KAFKA_BROKERS ?? '').split(',').filter(Boolean);
if (brokers.length === 0) {
  console.error('TEST_KAFKA_BROKERS is not set');
  process.exit(2);
}
const group = `check-kafka-${process.pid}-${Date.now()}`;
const topic = process.argv[2] ?? group;
const kafka = new Kafka({ clientId: 'check-kafka', brokers, logLevel: logLevel.NOTHING });
// The mock broker waits out the session timeout before letting a replacement member in.
const sessionTimeout = 6000;

async function produce(values: string[]): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic, acks: -1, messages: values.map((value) => ({ value })) });
  await producer.disconnect();
}

// Reads until `want` of our messages arrived, committing each after it is handled.
async function consumeUntil(want: Set<string>, prefix: string): Promise<string[]> {
  const consumer: Consumer = kafka.consumer({ groupId: group, sessionTimeout, heartbeatInterval: 1000 });
  const seen: string[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const done = new Promise<void>((resolve) => {
    void consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        const value = message.value?.toString() ?? '';
        if (value.startsWith(prefix)) seen.push(value);
        await consumer.commitOffsets([{ topic, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
        if ([...want].every((v) => seen.includes(v))) resolve();
      },
    });
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out; got ${seen.length}/${want.size}`)), 60_000);
  });
  try {
    await Promise.race([done, timeout]);
  } finally {
    clearTimeout(timer);
    await consumer.disconnect();
  }
  return seen;
}

const prefix = `${group}:`;
const first = [1, 2, 3].map((i) => `${prefix}a${i}`);
const second = [4, 5].map((i) => `${prefix}b${i}`);

await produce(first);
const gotFirst = await consumeUntil(new Set(first), prefix);
await produce(second);
const gotSecond = await consumeUntil(new Set(second), prefix);

const replayed = gotSecond.filter((v) => first.includes(v));
if (gotFirst.length !== first.length || replayed.length > 0) {
  console.error(`unexpected delivery: first=${gotFirst.join(',')} second=${gotSecond.join(',')}`);
  process.exit(1);
}
console.log(`kafka ok: ${brokers.join(',')} topic ${topic} group resumed from committed offsets`);
