import { describe, expect, test } from 'bun:test';
import { F, Ring } from './ring';

const WORKER = new URL('./__fixtures__/ring-stress-worker.ts', import.meta.url).href;

function push(ring: Ring, ids: number[]): number {
  const k = ring.reserve(ids.length);
  for (let i = 0; i < k; i++) ring.slots[ring.base(ring.at + i) + F.handle] = ids[i];
  ring.publish(ring.at, k);
  return k;
}

function pop(ring: Ring, max: number): number[] {
  const k = ring.claim(max);
  const out: number[] = [];
  for (let i = 0; i < k; i++) out.push(ring.slots[ring.base(ring.at + i) + F.handle]);
  ring.release(ring.at, k);
  return out;
}

describe('ring', () => {
  test('rejects-a-capacity-that-is-not-a-power-of-two', () => {
    expect(() => Ring.create(12)).toThrow(RangeError);
  });

  test('reports-empty-fills-to-capacity-exactly-then-reports-full', () => {
    const ring = Ring.create(8);
    expect(pop(ring, 4)).toEqual([]);
    expect(push(ring, [1, 2, 3, 4, 5])).toBe(5);
    expect(push(ring, [6, 7, 8, 9, 10])).toBe(3);
    expect(push(ring, [11])).toBe(0);
    expect(ring.size()).toBe(8);
    expect(pop(ring, 100)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(pop(ring, 1)).toEqual([]);
  });

  test('keeps-fifo-order-across-many-wrap-arounds', () => {
    const ring = Ring.create(4);
    const seen: number[] = [];
    let next = 0;
    for (let round = 0; round < 1000; round++) {
      const want = [next, next + 1, next + 2].slice(0, 1 + (round % 3));
      next += push(ring, want);
      seen.push(...pop(ring, 1 + (round % 2)));
    }
    seen.push(...pop(ring, 4));
    expect(seen).toEqual(Array.from({ length: next }, (_, i) => i));
  });

  test('survives-the-32-bit-position-counter-wrapping', () => {
    const ring = Ring.create(4);
    ring.header[0] = ring.header[16] = 0x7ffffffe;
    for (let i = 0; i < 4; i++) ring.slots[ring.base(0x7ffffffe + i)] = (0x7ffffffe + i) | 0;
    const seen: number[] = [];
    for (let i = 0; i < 20; i++) {
      push(ring, [i]);
      seen.push(...pop(ring, 1));
    }
    expect(seen).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  test('a-slot-released-out-of-order-is-not-reused-before-its-turn', () => {
    const ring = Ring.create(4);
    push(ring, [1, 2, 3, 4]);
    const first = ring.claim(2);
    const firstAt = ring.at;
    expect(first).toBe(2);
    expect(pop(ring, 2)).toEqual([3, 4]);
    expect(push(ring, [5])).toBe(0);
    ring.release(firstAt, first);
    expect(push(ring, [5, 6, 7, 8, 9])).toBe(4);
  });

  test('every-id-is-taken-exactly-once-with-several-producers-and-consumers', async () => {
    const producers = 3;
    const consumers = 3;
    const perProducer = 60_000;
    const total = producers * perProducer;
    const ring = Ring.create(64);
    const tally = new SharedArrayBuffer((total + 1) * 4);
    const tasks = [
      ...Array.from({ length: producers }, (_, p) => ({
        role: 'producer',
        from: p * perProducer,
        to: (p + 1) * perProducer,
        batch: 1 + p * 7,
      })),
      ...Array.from({ length: consumers }, (_, c) => ({ role: 'consumer', from: 0, to: 0, batch: 1 + c * 16 })),
    ];
    const workers = tasks.map(() => new Worker(WORKER));
    await Promise.all(
      workers.map(
        (worker, i) =>
          new Promise<void>((resolve) => {
            worker.onmessage = () => resolve();
            worker.postMessage({ ...tasks[i], ring: ring.buffer, tally, total });
          }),
      ),
    );
    for (const worker of workers) worker.terminate();
    const counts = new Int32Array(tally);
    let wrong = 0;
    for (let id = 0; id < total; id++) if (counts[id] !== 1) wrong++;
    expect(wrong).toBe(0);
    expect(counts[total]).toBe(total);
    expect(ring.size()).toBe(0);
  }, 60_000);
});
