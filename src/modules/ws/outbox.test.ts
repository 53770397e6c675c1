import { expect, test } from 'bun:test';
import type { WireFrame } from './model';
import { createOutbox, SLOW_CONSUMER_CLOSE, type SocketLike } from './outbox';

/** Bun's socket under backpressure: accepts writes while below `capacity` buffered bytes. */
function congestedSocket(capacity: number) {
  const s = {
    sent: [] as string[],
    buffered: 0,
    closedWith: null as number | null,
    send(data: string) {
      s.sent.push(data);
      s.buffered += data.length;
      return s.buffered > capacity ? -1 : data.length;
    },
    close(code?: number) {
      s.closedWith = code ?? 1000;
    },
    getBufferedAmount: () => s.buffered,
  };
  return s satisfies SocketLike;
}

/** The client catches up: the socket empties and drains until nothing is left waiting. */
function catchUp(socket: ReturnType<typeof congestedSocket>, out: ReturnType<typeof createOutbox>) {
  do {
    socket.buffered = 0;
    out.drain();
  } while (out.pendingBytes > 0);
}

const token = (seq: number, delta = 'word '): WireFrame => ({ type: 'token', requestId: 'r', seq, delta });

test('congested-socket-coalesces-tokens-keeping-the-last-seq', () => {
  const socket = congestedSocket(100);
  const out = createOutbox(socket, { highWaterBytes: 100, maxPendingBytes: 1_000_000 });
  for (let seq = 1; seq <= 50; seq++) out.send(token(seq));
  const sentDirectly = socket.sent.length;
  expect(sentDirectly).toBeLessThan(50);
  socket.buffered = 0;
  out.drain();
  const merged = JSON.parse(socket.sent.at(-1)!);
  expect(socket.sent.length).toBe(sentDirectly + 1);
  expect(merged.seq).toBe(50);
  const text = socket.sent.map((s) => JSON.parse(s).delta).join('');
  expect(text).toBe('word '.repeat(50));
  out.dispose();
});

test('other-frames-are-never-merged', () => {
  const socket = congestedSocket(0);
  const out = createOutbox(socket, { highWaterBytes: 1, maxPendingBytes: 1_000_000 });
  out.send(token(1));
  out.send(token(2));
  out.send({ type: 'citations', requestId: 'r', seq: 3, citations: [] });
  out.send(token(4));
  catchUp(socket, out);
  expect(socket.sent.map((s) => [JSON.parse(s).type, JSON.parse(s).seq])).toEqual([
    ['token', 1],
    ['token', 2],
    ['citations', 3],
    ['token', 4],
  ]);
  out.dispose();
});

test('a-client-too-slow-is-closed-and-memory-stays-bounded', () => {
  const socket = congestedSocket(0);
  const out = createOutbox(socket, { highWaterBytes: 1, maxPendingBytes: 10_000 });
  for (let seq = 1; seq <= 10_000; seq++) out.send(token(seq, 'x'.repeat(20)));
  expect(socket.closedWith).toBe(SLOW_CONSUMER_CLOSE);
  expect(out.pendingBytes).toBe(0);
  out.dispose();
});
