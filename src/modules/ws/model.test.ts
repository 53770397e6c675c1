import { describe, expect, test } from 'bun:test';
import { parseClientFrame } from './model';

describe('client frames', () => {
  test('a-resume-past-any-sequence-number-is-an-invalid-frame', () => {
    // Sequence numbers are safe integers; a larger one names no stream entry, and the shared stream
    // buffer would refuse it as if it were down.
    for (const lastSeq of [2 ** 64, 1e300]) {
      const parsed = parseClientFrame(JSON.stringify({ type: 'resume', requestId: 'r-1', lastSeq }));
      expect(parsed).toMatchObject({ ok: false, requestId: 'r-1' });
    }
    expect(parseClientFrame(JSON.stringify({ type: 'resume', requestId: 'r-1', lastSeq: Number.MAX_SAFE_INTEGER })).ok).toBe(true);
  });

  test('a-frame-with-broken-unicode-is-an-invalid-frame', () => {
    const parsed = parseClientFrame('{"type":"chat","requestId":"r-2","message":"half a pair \\ud800"}');
    expect(parsed).toMatchObject({ ok: false, requestId: 'r-2' });
    expect(parseClientFrame('{"type":"chat","requestId":"r-3","message":"a whole pair \\ud83d\\ude00"}').ok).toBe(true);
  });
});
