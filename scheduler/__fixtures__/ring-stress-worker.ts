/// <reference lib="webworker" />
import { F, Ring } from '../ring';

/**
 * A producer or consumer thread for the ring stress test. Producers push ids [from, to) in
 * batches; consumers claim batches and count every id they see in a shared tally.
 */
declare const self: DedicatedWorkerGlobalScope;

interface Task {
  role: 'producer' | 'consumer';
  ring: SharedArrayBuffer;
  tally: SharedArrayBuffer;
  from: number;
  to: number;
  batch: number;
  total: number;
}

self.onmessage = (event: MessageEvent<Task>) => {
  const task = event.data;
  const ring = new Ring(task.ring);
  const tally = new Int32Array(task.tally);
  if (task.role === 'producer') {
    let next = task.from;
    while (next < task.to) {
      const k = ring.reserve(Math.min(task.batch, task.to - next));
      for (let i = 0; i < k; i++) ring.slots[ring.base(ring.at + i) + F.handle] = next + i;
      ring.publish(ring.at, k);
      next += k;
    }
  } else {
    // The last word of the tally counts ids seen by all consumers together.
    while (Atomics.load(tally, task.total) < task.total) {
      const k = ring.claim(task.batch);
      for (let i = 0; i < k; i++) Atomics.add(tally, ring.slots[ring.base(ring.at + i) + F.handle], 1);
      ring.release(ring.at, k);
      if (k > 0) Atomics.add(tally, task.total, k);
    }
  }
  self.postMessage('done');
};
