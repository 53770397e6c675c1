import { wsFrame } from '../metrics/ws-metrics';
import type { WireFrame } from './model';

/** The part of Bun's ServerWebSocket the outbox uses. */
export interface SocketLike {
  /** Bytes sent, -1 when queued under backpressure, 0 when dropped. */
  send(data: string): number;
  close(code?: number, reason?: string): void;
  getBufferedAmount(): number;
}

export interface OutboxOptions {
  /** Above this many bytes buffered in the socket, frames wait in the outbox. */
  highWaterBytes?: number;
  /** Past this many bytes waiting, the client is too slow: the socket is closed (the turn goes on). */
  maxPendingBytes?: number;
  /** How often waiting frames are retried even without a drain event. */
  retryMs?: number;
}

export const SLOW_CONSUMER_CLOSE = 4008;

/** A benchmark's tokens are per model column; a turn's have none. */
const columnOf = (frame: WireFrame) => ('model' in frame ? frame.model : undefined);

/**
 * Frames to one socket with bounded memory. While the socket is congested, token frames of the same
 * stream merge into one (it carries the last merged `seq`, so resume stays exact); past the cap the
 * socket is closed and the client resumes from its last seq.
 */
export function createOutbox(socket: SocketLike, opts: OutboxOptions = {}) {
  const highWater = opts.highWaterBytes ?? 256 * 1024;
  const maxPending = opts.maxPendingBytes ?? 1024 * 1024;
  const pending: WireFrame[] = [];
  let pendingBytes = 0;
  let closed = false;
  let timer: ReturnType<typeof setInterval> | undefined;

  const write = (frame: WireFrame) => {
    wsFrame('out', frame.type);
    return socket.send(JSON.stringify(frame)) !== 0;
  };

  function flush(): void {
    while (pending.length && !closed && socket.getBufferedAmount() < highWater) {
      const frame = pending.shift()!;
      pendingBytes -= sizeOf(frame);
      if (!write(frame)) {
        close();
        return;
      }
    }
    if (!pending.length && timer) {
      clearInterval(timer);
      timer = undefined;
    }
  }

  function close(): void {
    if (closed) return;
    closed = true;
    pending.length = 0;
    pendingBytes = 0;
    clearInterval(timer);
    socket.close(SLOW_CONSUMER_CLOSE, 'client too slow; resume from the last seq');
  }

  function enqueue(frame: WireFrame): void {
    const last = pending.at(-1);
    if (last?.type === 'token' && frame.type === 'token' && last.requestId === frame.requestId && columnOf(last) === columnOf(frame)) {
      pendingBytes -= sizeOf(last);
      last.delta += frame.delta;
      last.seq = frame.seq;
      pendingBytes += sizeOf(last);
    } else {
      pending.push({ ...frame });
      pendingBytes += sizeOf(frame);
    }
    if (pendingBytes > maxPending) {
      close();
      return;
    }
    timer ??= setInterval(flush, opts.retryMs ?? 50);
  }

  return {
    send(frame: WireFrame): void {
      if (closed) return;
      if (pending.length === 0 && socket.getBufferedAmount() < highWater) {
        if (!write(frame)) closed = true;
        return;
      }
      enqueue(frame);
    },
    /** Bun's `drain`: the socket can take more. */
    drain: flush,
    dispose(): void {
      closed = true;
      pending.length = 0;
      clearInterval(timer);
    },
    get pendingBytes() {
      return pendingBytes;
    },
  };
}

/** Token frames are the many small ones; their size is cheap to bound without serialising. */
function sizeOf(frame: WireFrame): number {
  return frame.type === 'token' ? 96 + frame.delta.length : JSON.stringify(frame).length;
}
