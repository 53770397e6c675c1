import { deliverControl } from './deliver-control';
import type { ControlListener, ControlMessage, FrameListener, StreamFrame, StreamHub } from './types';

interface Log<F extends StreamFrame> {
  owner: string;
  frames: F[];
  listeners: Set<FrameListener<F>>;
  finished: boolean;
  expiry?: ReturnType<typeof setTimeout>;
}

/** Frames after `afterSeq`: seqs increase, so a binary search finds where to start. */
function after<F extends StreamFrame>(frames: F[], afterSeq: number): F[] {
  let lo = 0;
  let hi = frames.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (frames[mid].seq <= afterSeq) lo = mid + 1;
    else hi = mid;
  }
  return frames.slice(lo);
}

/** The embedded stream hub: one process, logs in memory, expiring `ttlMs` after they finish. */
export class MemoryStreamHub<F extends StreamFrame = StreamFrame> implements StreamHub<F> {
  readonly kind = 'memory' as const;
  private readonly logs = new Map<string, Log<F>>();
  private readonly stopListeners: ((requestId: string) => void)[] = [];
  private readonly controlListeners = new Set<ControlListener>();

  constructor(private readonly ttlMs = 5 * 60_000) {}

  async create(requestId: string, owner: string): Promise<boolean> {
    if (this.logs.has(requestId)) return false;
    this.logs.set(requestId, { owner, frames: [], listeners: new Set(), finished: false });
    return true;
  }

  async owner(requestId: string): Promise<string | null> {
    return this.logs.get(requestId)?.owner ?? null;
  }

  async append(requestId: string, frame: F): Promise<void> {
    const log = this.logs.get(requestId);
    if (!log || log.finished) return;
    log.frames.push(frame);
    for (const listener of log.listeners) listener(frame);
  }

  async read(requestId: string, afterSeq: number): Promise<F[]> {
    const log = this.logs.get(requestId);
    return log ? after(log.frames, afterSeq) : [];
  }

  async subscribe(requestId: string, afterSeq: number, onFrame: FrameListener<F>): Promise<() => void> {
    const log = this.logs.get(requestId);
    if (!log) return () => {};
    // Replay and registration happen in one synchronous step, so no frame falls between them.
    for (const frame of after(log.frames, afterSeq)) onFrame(frame);
    if (log.finished) return () => {};
    log.listeners.add(onFrame);
    return () => log.listeners.delete(onFrame);
  }

  async requestStop(requestId: string): Promise<void> {
    for (const onStop of this.stopListeners) onStop(requestId);
  }

  onStopRequest(onStop: (requestId: string) => void): void {
    this.stopListeners.push(onStop);
  }

  async broadcast(message: ControlMessage): Promise<void> {
    deliverControl(this.controlListeners, message);
  }

  onBroadcast(listener: ControlListener): () => void {
    this.controlListeners.add(listener);
    return () => this.controlListeners.delete(listener);
  }

  async finish(requestId: string): Promise<void> {
    const log = this.logs.get(requestId);
    if (!log || log.finished) return;
    log.finished = true;
    log.listeners.clear();
    log.expiry = setTimeout(() => this.logs.delete(requestId), this.ttlMs);
    log.expiry.unref?.();
  }

  async close(): Promise<void> {
    for (const log of this.logs.values()) clearTimeout(log.expiry);
    this.logs.clear();
  }
}
