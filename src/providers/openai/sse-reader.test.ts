import { describe, expect, test } from 'bun:test';
import { type SseMessage, sseMessages } from './sse-reader';

function bodyOf(reads: string[]): ReadableStream<Uint8Array> {
  const bytes = reads.map((r) => new TextEncoder().encode(r));
  return new ReadableStream({
    pull(controller) {
      const next = bytes.shift();
      if (next) controller.enqueue(next);
      else controller.close();
    },
  });
}

async function all(reads: string[]): Promise<SseMessage[]> {
  const out: SseMessage[] = [];
  for await (const batch of sseMessages(bodyOf(reads))) out.push(...batch);
  return out;
}

describe('sse reader', () => {
  test('splits-events-at-blank-lines-across-arbitrary-reads', async () => {
    const wire = 'data: {"a":1}\n\ndata: {"b":2}\n\nevent: error\ndata: {"c":3}\n\ndata: [DONE]\n\n';
    const expected = [
      { event: undefined, data: '{"a":1}' },
      { event: undefined, data: '{"b":2}' },
      { event: 'error', data: '{"c":3}' },
      { event: undefined, data: '[DONE]' },
    ];
    expect(await all([wire])).toEqual(expected);
    expect(await all(wire.split(''))).toEqual(expected);
  });

  test('accepts-crlf-and-cr-line-ends-even-split-between-reads', async () => {
    expect(await all(['data: x\r', '\n\r', '\ndata: y\r\r'])).toEqual([
      { event: undefined, data: 'x' },
      { event: undefined, data: 'y' },
    ]);
  });

  test('joins-multi-line-data-and-skips-comments-and-other-fields', async () => {
    expect(await all([': keep-alive\n\nid: 7\nretry: 10\ndata:one\ndata: two\n\n'])).toEqual([{ event: undefined, data: 'one\ntwo' }]);
  });

  test('delivers-a-last-event-without-its-blank-line', async () => {
    expect(await all(['data: a\n\ndata: b'])).toEqual([
      { event: undefined, data: 'a' },
      { event: undefined, data: 'b' },
    ]);
  });

  test('leaving-early-cancels-the-body', async () => {
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      pull: (c) => c.enqueue(new TextEncoder().encode('data: more\n\n')),
      cancel: () => {
        cancelled = true;
      },
    });
    for await (const _ of sseMessages(body)) break;
    await Bun.sleep(0);
    expect(cancelled).toBe(true);
  });
});
