import { describe, expect, test } from 'bun:test';
import { idleCollector } from './idle-collector';

/** A collector ticking every 10 ms that records what it ran, in order. */
function recording(opts: { minWork: number; releaseAfterMs: number }) {
  const events: string[] = [];
  const collector = idleCollector({
    quietMs: 10,
    ...opts,
    collect: () => events.push('collect'),
    release: () => events.push('release'),
  });
  return { events, collector };
}

describe('idle collector', () => {
  test('collects-once-when-a-burst-of-work-has-ended', async () => {
    let collections = 0;
    const collector = idleCollector({ quietMs: 10, minWork: 3, collect: () => collections++ });
    for (let i = 0; i < 5; i++) collector.note();
    await Bun.sleep(80);
    collector.stop();
    expect(collections).toBe(1);
  });

  test('does-not-collect-while-work-goes-on', async () => {
    let collections = 0;
    const collector = idleCollector({ quietMs: 40, minWork: 1, collect: () => collections++ });
    for (let i = 0; i < 20; i++) {
      collector.note();
      await Bun.sleep(5);
    }
    const duringWork = collections;
    collector.stop();
    expect(duringWork).toBe(0);
  });

  test('after-a-collection-a-spell-without-a-new-burst-releases-once', async () => {
    const { events, collector } = recording({ minWork: 2, releaseAfterMs: 80 });
    for (let i = 0; i < 3; i++) collector.note();
    await Bun.sleep(40);
    expect(events).toEqual(['collect']);
    // A new burst collects again and starts the wait afresh; a trickle after it does not.
    for (let i = 0; i < 3; i++) collector.note();
    await Bun.sleep(40);
    expect(events).toEqual(['collect', 'collect']);
    collector.note();
    await Bun.sleep(200);
    collector.stop();
    expect(events).toEqual(['collect', 'collect', 'release']);
  });

  test('leaves-a-trickle-of-work-to-the-runtime', async () => {
    let collections = 0;
    const collector = idleCollector({ quietMs: 10, minWork: 100, collect: () => collections++ });
    collector.note();
    collector.note();
    await Bun.sleep(60);
    collector.stop();
    expect(collections).toBe(0);
  });
});
