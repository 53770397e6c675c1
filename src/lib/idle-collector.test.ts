import { describe, expect, test } from 'bun:test';
import { idleCollector } from './idle-collector';

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
