import { describe, expect, test } from 'bun:test';
import { ResponseParser } from './response-parser';

const bytes = (text: string) => new TextEncoder().encode(text);

/** Feeds `text` split at every given offset, as a socket might deliver it. */
function feedSplit(parser: ResponseParser, text: string, cuts: number[]): void {
  let from = 0;
  for (const cut of [...cuts, text.length]) {
    parser.feed(bytes(text.slice(from, cut)));
    from = cut;
  }
}

describe('HTTP/1.1 response framing', () => {
  test('finds-the-end-of-a-content-length-body-split-across-reads', () => {
    const p = new ResponseParser();
    const text = 'HTTP/1.1 201 Created\r\nCONTENT-LENGTH: 5\r\n\r\nhello';
    feedSplit(p, text, [3, 20, 41, 43]);
    expect(p.done).toBe(true);
    expect(p.status).toBe(201);
    expect(p.keepAlive).toBe(true);
  });

  test('is-not-done-before-the-last-byte-of-the-body', () => {
    const p = new ResponseParser();
    p.feed(bytes('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhell'));
    expect(p.done).toBe(false);
  });

  test('follows-chunked-encoding-with-extensions-and-trailers-byte-by-byte', () => {
    const text = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\nA\r\n0123456789\r\n0\r\nX-Trailer: 1\r\n\r\n';
    const p = new ResponseParser();
    feedSplit(
      p,
      text,
      Array.from({ length: text.length - 1 }, (_, i) => i + 1),
    );
    expect(p.done).toBe(true);
    const early = new ResponseParser();
    early.feed(bytes(text.slice(0, -2)));
    expect(early.done).toBe(false);
  });

  test('honours-connection-close-and-bodiless-statuses', () => {
    const closing = new ResponseParser();
    closing.feed(bytes('HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n'));
    expect(closing.done).toBe(true);
    expect(closing.keepAlive).toBe(false);
  });

  test('treats-a-body-without-length-as-ending-at-close', () => {
    const p = new ResponseParser();
    p.feed(bytes('HTTP/1.0 200 OK\r\n\r\nstream'));
    expect(p.done).toBe(false);
    expect(p.endsAtClose).toBe(true);
  });
});
