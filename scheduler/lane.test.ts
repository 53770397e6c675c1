import { describe, expect, test } from 'bun:test';
import { createBatch, Lane } from './lane';

function drain(lane: Lane, max = 64) {
  const batch = createBatch(max);
  lane.take(max, batch);
  return { handles: [...batch.handles.subarray(0, batch.n)], payloads: batch.payloads.slice(0, batch.n) };
}

describe('lane', () => {
  test('round-trips-payload-text-including-non-ascii-astral-and-empty-strings', () => {
    const lane = Lane.create(8, 4096);
    const texts = ['hello', 'héllo wörld', '', '😀 emoji', 'x'.repeat(300), 'naïve ' + 'ü'.repeat(70)];
    for (const [i, text] of texts.entries()) expect(lane.offer(i, 0, 0, text, 0)).toBe(true);
    expect(drain(lane)).toEqual({ handles: [0, 1, 2, 3, 4, 5], payloads: texts });
  });

  test('replaces-a-lone-surrogate-the-way-utf-8-does-keeping-later-payloads-intact', () => {
    const lane = Lane.create(4, 256);
    lane.offer(0, 0, 0, 'a\ud800b', 0);
    lane.offer(1, 0, 0, 'next', 0);
    expect(drain(lane).payloads).toEqual(['a\ufffdb', 'next']);
  });

  test('refuses-a-job-when-the-arena-is-full-and-accepts-it-again-once-consumers-release', () => {
    const lane = Lane.create(64, 64);
    let accepted = 0;
    while (lane.offer(accepted, 0, 0, 'abcdefghij', 0)) accepted++;
    expect(accepted).toBeGreaterThan(0);
    expect(accepted).toBeLessThan(64);
    expect(drain(lane, 2).payloads).toEqual(['abcdefghij', 'abcdefghij']);
    expect(lane.offer(99, 0, 0, 'abcdefghij', 0)).toBe(true);
  });

  test('reuses-arena-space-across-many-laps-without-corrupting-payloads', () => {
    const lane = Lane.create(8, 200);
    const sent: string[] = [];
    const got: string[] = [];
    for (let i = 0; i < 5000; i++) {
      const text = `job-${i}-${'é'.repeat(i % 9)}`;
      if (lane.offer(i, 0, 0, text, 0)) sent.push(text);
      else {
        got.push(...drain(lane, 1 + (i % 5)).payloads);
        i--;
      }
    }
    got.push(...drain(lane, 64).payloads);
    expect(got).toEqual(sent);
    expect(sent.length).toBe(5000);
  });

  test('refuses-when-the-ring-is-full-even-with-arena-space-left', () => {
    const lane = Lane.create(2, 4096);
    expect(lane.offer(0, 0, 0, 'a', 0)).toBe(true);
    expect(lane.offer(1, 0, 0, 'b', 0)).toBe(true);
    expect(lane.offer(2, 0, 0, 'c', 0)).toBe(false);
  });

  test('publishes-a-group-in-order-with-each-jobs-index-stopping-where-the-ring-fills', () => {
    const lane = Lane.create(8, 4096);
    const texts = ['a', 'bé', '', '😀', 'x'.repeat(40), 'f', 'g', 'h', 'i', 'j'];
    expect(lane.offerMany(5, 2, 3, texts, 1, 9, 0)).toBe(8);
    const batch = createBatch(16);
    lane.take(16, batch);
    expect(batch.payloads.slice(0, batch.n)).toEqual(texts.slice(1, 9));
    expect([...batch.indices.subarray(0, batch.n)]).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect([...batch.kinds.subarray(0, batch.n)]).toEqual(Array(8).fill(3));
    expect([...batch.handles.subarray(0, batch.n)]).toEqual(Array(8).fill(5));
  });

  test('publishes-only-the-part-of-a-group-that-fits-the-arena', () => {
    const lane = Lane.create(64, 64);
    const texts = Array.from({ length: 20 }, (_, i) => `payload-${i}`);
    const sent = lane.offerMany(0, 0, 0, texts, 0, texts.length, 0);
    expect(sent).toBeGreaterThan(0);
    expect(sent).toBeLessThan(20);
    expect(drain(lane).payloads).toEqual(texts.slice(0, sent));
  });

  test('exposes-the-enqueue-time-of-the-oldest-waiting-job', () => {
    const lane = Lane.create(4, 256);
    expect(lane.oldestEnqueuedUs()).toBeUndefined();
    lane.offer(0, 0, 0, 'a', 111);
    lane.offer(1, 0, 0, 'b', 222);
    expect(lane.oldestEnqueuedUs()).toBe(111);
    drain(lane, 1);
    expect(lane.oldestEnqueuedUs()).toBe(222);
  });
});
