import type { Broadcast } from './types';

/** One process is the only replica: nobody else is there to tell. */
export class MemoryBroadcast implements Broadcast {
  readonly kind = 'memory' as const;

  async publish(): Promise<void> {}

  subscribe(): void {}

  async close(): Promise<void> {}
}
